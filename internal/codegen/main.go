// Command codegen turns the AWS service models in models/ into Go: for each
// service, the wire types, the operation table with request binding and
// response writing, model-constraint validation, the Service interface the
// hand-written logic implements, and a stub answering "not implemented"
// for every operation. It also writes docs/compatibility.md from which
// operations the service packages implement.
//
// Regenerate everything (from the repository root):
//
//	go run ./internal/codegen
//
// Refresh the stripped models from an installed botocore first:
//
//	go run ./internal/codegen -strip "$(python3 -c 'import botocore,os;print(os.path.dirname(botocore.__file__))')"
package main

import (
	"flag"
	"fmt"
	"os"
)

func main() {
	stripFrom := flag.String("strip", "", "botocore package directory to copy stripped models from")
	root := flag.String("root", ".", "repository root")
	check := flag.Bool("check", false, "fail if generated files are out of date instead of writing them")
	flag.Parse()
	if *stripFrom != "" {
		if err := strip(*stripFrom, *root+"/models"); err != nil {
			fmt.Fprintln(os.Stderr, "codegen:", err)
			os.Exit(1)
		}
	}
	stale, err := generateAll(*root, *check)
	if err != nil {
		fmt.Fprintln(os.Stderr, "codegen:", err)
		os.Exit(1)
	}
	if *check && len(stale) > 0 {
		fmt.Fprintln(os.Stderr, "codegen: generated files are stale; run `go run ./internal/codegen`:")
		for _, f := range stale {
			fmt.Fprintln(os.Stderr, "  ", f)
		}
		os.Exit(1)
	}
}
