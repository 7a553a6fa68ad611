// Directives newer than the Go on this machine (1.19): toolchain (1.21),
// godebug (1.23), tool and ignore (1.24), a Windows replacement path, and
// three lines modfile rejects (skipped with one diagnostic). Its golden
// list, newer.expected.tsv, is hand-checked.
module example.com/newer

go 1.24.0

toolchain go1.24.1

godebug (
	default=go1.21
	panicnil=1
)

tool example.com/newer/cmd/gen

ignore ./node_modules

require (
	example.com/win v0.0.1
	`example.com/backquoted` v1.1.0
	example.com/too many v1.0.0
	example.com/missing
	example.com/ok v1.0.0
)

require example.com/after-block v3.0.0 // indirect

replace example.com/win v0.0.1 => C:\src\win

replace example.com/ok => example.com/ok-fork v1.0.1 // a comment after a replace

exclude example.com/win v0.0.0
