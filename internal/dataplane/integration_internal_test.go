package dataplane

import (
	"regexp"
	"testing"
)

func TestTraceIDFormat(t *testing.T) {
	re := regexp.MustCompile(`^Root=1-6553f100-[0-9a-f]{12}4[0-9a-f]{3}[89ab][0-9a-f]{7}$`)
	for range 1000 {
		if id := traceID(1_700_000_000); !re.MatchString(id) {
			t.Fatalf("traceID %q", id)
		}
	}
}

// The {"statusCode": N} scanner agrees with the JSON decoder wherever it
// answers, and answers for the usual shapes.
func TestQuickStatusCode(t *testing.T) {
	cases := []string{
		`{"statusCode": 200}`, `{"statusCode":200}`, " \n{ \"statusCode\" :\t404 }\r\n", `{"statusCode": 0}`,
		`{"statusCode": 5}`, `{"statusCode": 999}`, `{"statusCode": 1000}`, `{"statusCode": 0200}`, `{"statusCode": 00}`,
		`{"statusCode": -1}`, `{"statusCode": 2e2}`, `{"statusCode": 200.0}`, `{"statusCode": "200"}`,
		`{"statusCode": 200, "x": 1}`, `{"statusCode": 200} trailing`, `{"statusCode": 200}}`, `{statusCode: 200}`,
		`{'statusCode': 200}`, `{"statuscode": 200}`, `{"statusCode" 200}`, `{"statusCode": }`, `{"statusCode": 200`,
		`{}`, ``, ` `, `200`, `{"statusCode": 20 0}`, "{\"statusCode\": 200}\v", `{"x": 1, "statusCode": 201}`,
	}
	answered := 0
	for _, in := range cases {
		slowCode, slowOK := decodeStatusCode(in)
		if code, ok := quickStatusCode(in); ok {
			answered++
			if !slowOK || code != slowCode {
				t.Errorf("%q: quick %d, decoder %d %v", in, code, slowCode, slowOK)
			}
		}
		code, ok := mockStatusCode(in)
		if code != slowCode || ok != slowOK {
			t.Errorf("%q: mockStatusCode %d %v, decoder %d %v", in, code, ok, slowCode, slowOK)
		}
	}
	if answered < 6 {
		t.Errorf("the scanner answered only %d cases", answered)
	}
}
