module zoo.bench/goproxy

go 1.19
