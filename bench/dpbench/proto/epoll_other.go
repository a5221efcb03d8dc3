//go:build !linux

package main

import (
	"errors"
	"time"
)

var (
	epollRawSyscalls bool
	epollLoops       int
	epollProcs       int
	epollStats       time.Duration
)

func serveEpoll(string, *Pool) error { return errors.New("-engine epoll: linux only") }
