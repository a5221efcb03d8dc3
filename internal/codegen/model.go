package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
)

// Model is the part of a botocore service model the generator reads.
type Model struct {
	Metadata   map[string]any    `json:"metadata"`
	Operations map[string]*Op    `json:"operations"`
	Shapes     map[string]*Shape `json:"shapes"`
}

type Op struct {
	Name string `json:"name"`
	HTTP struct {
		Method       string `json:"method"`
		RequestURI   string `json:"requestUri"`
		ResponseCode int    `json:"responseCode"`
	} `json:"http"`
	Input  *Ref  `json:"input"`
	Output *Ref  `json:"output"`
	Errors []Ref `json:"errors"`
}

type Ref struct {
	Shape           string   `json:"shape"`
	Location        string   `json:"location"`
	LocationName    string   `json:"locationName"`
	TimestampFormat string   `json:"timestampFormat"`
	Enum            []string `json:"enum"`
}

type Shape struct {
	Type            string   `json:"type"`
	Members         Members  `json:"members"`
	Required        []string `json:"required"`
	Member          *Ref     `json:"member"`
	Key             *Ref     `json:"key"`
	Value           *Ref     `json:"value"`
	Min             *float64 `json:"min"`
	Max             *float64 `json:"max"`
	Pattern         string   `json:"pattern"`
	Enum            []string `json:"enum"`
	Exception       bool     `json:"exception"`
	Payload         string   `json:"payload"`
	TimestampFormat string   `json:"timestampFormat"`
	Union           bool     `json:"union"`
	Streaming       bool     `json:"streaming"`
	Error           *struct {
		HTTPStatusCode int    `json:"httpStatusCode"`
		Code           string `json:"code"`
	} `json:"error"`
}

// Member is one structure member, in model order.
type Member struct {
	Name string
	*Ref
}

// Members keeps the model's member order (encoding/json maps would lose it).
type Members []Member

func (m *Members) UnmarshalJSON(b []byte) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return fmt.Errorf("members: want object")
	}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return err
		}
		name := t.(string)
		r := new(Ref)
		if err := dec.Decode(r); err != nil {
			return err
		}
		*m = append(*m, Member{Name: name, Ref: r})
	}
	return nil
}

func loadModel(path string) (*Model, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	m := new(Model)
	if err := json.Unmarshal(b, m); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	for name, op := range m.Operations {
		if op.Name == "" {
			op.Name = name
		}
	}
	return m, nil
}
