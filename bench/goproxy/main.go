// A seed-style Go reverse proxy, written the way the write-up does it: for every request it picks the
// upstream by path prefix and builds a fresh httputil.NewSingleHostReverseProxy with the default transport.
// It is the "what zoo replaces" anchor of the benchmark, not a model of how to write a Go proxy.
//
//	goproxy -listen 127.0.0.1:8080 -upstream http://127.0.0.1:9100
package main

import (
	"flag"
	"log"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:8080", "address to listen on")
	upstream := flag.String("upstream", "", "upstream origin for / and /node")
	flag.Parse()

	target, err := url.Parse(*upstream)
	if err != nil || target.Host == "" {
		log.Fatalf("-upstream: expected an origin such as http://127.0.0.1:9100, got %q", *upstream)
	}
	routes := map[string]*url.URL{"/node": target, "/": target}

	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		dest := routes["/"]
		if r.URL.Path == "/node" || strings.HasPrefix(r.URL.Path, "/node/") {
			dest = routes["/node"]
		}
		proxy := httputil.NewSingleHostReverseProxy(dest)
		proxy.ServeHTTP(w, r)
	})

	log.Printf("goproxy listening on %s -> %s", *listen, target)
	log.Fatal(http.ListenAndServe(*listen, nil))
}
