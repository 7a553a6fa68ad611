// A hand-made go.mod exercising the syntax modfile accepts.
module "example.com/hand"

go 1.21


require example.com/single v1.0.0
require example.com/single-indirect v1.0.1 // indirect

require (
	example.com/a v1.2.3
	example.com/b v0.0.0-20230101000000-abcdef123456 // indirect
	"example.com/quoted" v2.0.0+incompatible
	example.com/c/v2 v2.1.0 // indirect; needed by example.com/a
	example.com/d v1.0.0 // not indirect: a plain comment
	example.com/e v1.0.0 //indirect
	example.com/wild v1.1.0
	example.com/pinned v1.4.0
	example.com/other-pin v1.5.0
	example.com/local v0.3.0
	example.com/semi v1.0.0 // indirect;
	example.com/semi2 v1.0.0 // indirect; why
	example.com/raw v1.0.0 // indirect // twice
	example.com/tab v1.0.0	//	indirect
	example.com/notquite v1.0.0 // indirectly
	"example.com/esc\x41\u00e9" v1.1.0
)

exclude example.com/a v1.2.2

exclude (
	example.com/b v0.0.0-20200101000000-000000000000
)

replace example.com/wild => example.com/wild-fork v1.1.1

replace (
	example.com/pinned v1.4.0 => example.com/pinned-fork v1.4.1
	example.com/pinned => example.com/never v9.9.9
	example.com/other-pin v1.0.0 => example.com/not-this v0.0.1
	example.com/local => ../local
)

retract (
	v1.0.1 // published by mistake
	[v1.0.2, v1.0.5]
)

