# go mod edit -json -> the packages strata should list, one TSV row each:
# name, version, source_name, source_version, direct
def isdir: test("^(\\./|\\.\\./|/|\\.\\\\|\\.\\.\\\\|\\\\|[A-Za-z]:)");
(.Replace // []) as $reps
| (.Require // [])[]
| . as $r
| ([$reps[] | select(.Old.Path == $r.Path and (.Old.Version // $r.Version) == $r.Version)]
   | (map(select(.Old.Version != null)) + map(select(.Old.Version == null))) | .[0]) as $rep
| if $rep == null then [$r.Path, $r.Version, "", ""]
  elif ($rep.New.Version // "") == "" or ($rep.New.Path | isdir) then [$r.Path, "", $r.Path, $r.Version]
  else [$rep.New.Path, $rep.New.Version, $r.Path, $r.Version] end
| . + [(if $r.Indirect then "false" else "true" end)]
| @tsv
