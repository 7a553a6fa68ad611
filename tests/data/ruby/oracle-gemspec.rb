# Oracle: RubyGems itself loads (evaluates) each gemspec.
ARGV.each do |f|
  s = Gem::Specification.load(f) or abort "cannot load #{f}"
  puts [s.name, s.version.to_s, s.licenses.join(", ")].join("\t")
end
