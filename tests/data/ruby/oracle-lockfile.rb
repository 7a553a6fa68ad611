# Oracle: Bundler's own LockfileParser. Prints "name<TAB>version<TAB>direct"
# for registry (GEM) gems, one per name+version, sorted.
# PATH sources resolve against a Gemfile: give Bundler an empty one.
require "tmpdir"
gf = File.join(Dir.mktmpdir, "Gemfile")
File.write(gf, "")
ENV["BUNDLE_GEMFILE"] = gf
require "bundler"
lf = Bundler::LockfileParser.new(File.read(ARGV[0]))
direct = lf.dependencies.keys
rows = lf.specs.select { |s| s.source.is_a?(Bundler::Source::Rubygems) }
           .map { |s| [s.name, s.version.to_s, direct.include?(s.name) ? 1 : 0].join("\t") }
puts rows.uniq.sort
