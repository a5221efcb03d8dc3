package main

import (
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
)

// services lists the models Stagecraft speaks: botocore's folder name, API
// version, and the Go package the generated code goes to.
var services = []struct {
	Name, Version, Package string
	// ValidationCode is the error code answered for a model-constraint
	// violation (required, length, pattern, enum, range).
	ValidationCode string
}{
	{"apigateway", "2015-07-09", "apigateway", "ValidationException"},
	{"apigatewayv2", "2018-11-29", "apigatewayv2", "BadRequestException"},
	{"appconfig", "2019-10-09", "appconfig", "BadRequestException"},
	{"appconfigdata", "2021-11-11", "appconfigdata", "BadRequestException"},
	{"apigatewaymanagementapi", "2018-11-29", "apigatewaymanagementapi", "BadRequestException"},
}

// strip copies each botocore model into models/, dropping documentation
// text and keeping everything the generator reads. Keys are sorted by
// encoding/json, so the files diff well across botocore upgrades.
func strip(botocoreDir, outDir string) error {
	for _, s := range services {
		src := filepath.Join(botocoreDir, "data", s.Name, s.Version, "service-2.json")
		var r io.Reader
		f, err := os.Open(src)
		if err != nil {
			f, err = os.Open(src + ".gz")
			if err != nil {
				return err
			}
			gz, err := gzip.NewReader(f)
			if err != nil {
				return err
			}
			r = gz
		} else {
			r = f
		}
		var m map[string]any
		if err := json.NewDecoder(r).Decode(&m); err != nil {
			f.Close()
			return fmt.Errorf("%s: %w", src, err)
		}
		f.Close()
		dropDocs(m)
		b, err := json.MarshalIndent(m, "", " ")
		if err != nil {
			return err
		}
		dst := filepath.Join(outDir, s.Name+".json")
		if err := os.WriteFile(dst, append(b, '\n'), 0o644); err != nil {
			return err
		}
		fmt.Println("wrote", dst)
	}
	return nil
}

var docKeys = map[string]bool{"documentation": true, "documentationUrl": true, "deprecatedMessage": true, "examples": true}

func dropDocs(v any) {
	switch t := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(t))
		for k := range t {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if docKeys[k] {
				delete(t, k)
				continue
			}
			dropDocs(t[k])
		}
	case []any:
		for _, e := range t {
			dropDocs(e)
		}
	}
}
