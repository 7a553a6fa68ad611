module example.com/crlf

go 1.18

require (
	example.com/x v1.0.0 // indirect
	example.com/y v1.1.0
)
