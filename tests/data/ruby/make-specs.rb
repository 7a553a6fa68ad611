# Writes installed-gem specifications (as `gem install` would) for a few
# gems, so that `bundle lock --local` can resolve offline against them.
require "rubygems"
dir = ARGV[0]
Dir.mkdir(dir) unless Dir.exist?(dir)
%w[specifications gems].each { |d| Dir.mkdir(File.join(dir, d)) unless Dir.exist?(File.join(dir, d)) }
def mk(dir, name, ver, platform: nil, license: "MIT", deps: {})
  s = Gem::Specification.new do |s|
    s.name = name
    s.version = ver
    s.platform = platform if platform
    s.licenses = [license]
    s.summary = "#{name} test fixture"
    s.authors = ["fixture"]
    s.files = []
    deps.each { |d, r| s.add_runtime_dependency d, r }
  end
  File.write(File.join(dir, "specifications", "#{s.full_name}.gemspec"), s.to_ruby)
  Dir.mkdir(File.join(dir, "gems", s.full_name)) unless Dir.exist?(File.join(dir, "gems", s.full_name))
end
mk(dir, "rack", "2.2.3")
mk(dir, "rack-test", "1.1.0", deps: {"rack" => [">= 1.0", "< 3"]})
mk(dir, "mustermann", "1.1.1", deps: {"ruby2_keywords" => "~> 0.0.1"})
mk(dir, "ruby2_keywords", "0.0.5", license: "Ruby")
mk(dir, "sinatra", "2.1.0", deps: {"rack" => "~> 2.2", "mustermann" => "~> 1.0", "tilt" => "~> 2.0"})
mk(dir, "tilt", "2.0.10")
mk(dir, "nokogiri", "1.13.10", platform: "x86_64-linux", deps: {"racc" => "~> 1.4"})
mk(dir, "racc", "1.6.0", license: "Ruby")
