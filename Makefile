# shadowroute — see README.md. Every target works on a machine with only Go.
GO      ?= go
BIN     := bin/shadowroute
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -s -w -X main.version=$(VERSION)
PKGS    := ./...

.PHONY: all build test bench fuzz vuln demo fmt lint vet tidy-check clean docs/demo-exposure.png

all: build

build:
	$(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/shadowroute

vet:
	$(GO) vet $(PKGS)

test: lint vet tidy-check
	$(GO) test $(PKGS)

bench:
	$(GO) test -run '^$$' -bench . -benchmem $(PKGS)

# Every native fuzz target, one after the other, FUZZTIME each (seed corpora
# under testdata/fuzz/ and each package's testdata/fuzz/ also run in make test).
FUZZTIME ?= 30s
fuzz:
	@set -e; for pkg in $$($(GO) list ./...); do \
	  for t in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz' || true); do \
	    echo "fuzz $$pkg $$t ($(FUZZTIME))"; \
	    $(GO) test -run '^$$' -fuzz "^$$t$$" -fuzztime $(FUZZTIME) $$pkg; \
	  done; \
	done

# Known vulnerabilities in the code paths we call (govulncheck, pinned).
GOVULNCHECK_VERSION ?= v1.1.4
vuln:
	$(GO) run golang.org/x/vuln/cmd/govulncheck@$(GOVULNCHECK_VERSION) ./...

# The main job on the bundled example: a report on stdout and in demo-out/.
demo: build
	@mkdir -p demo-out
	./$(BIN) analyze testdata/demo --format json -o demo-out/findings.json
	./$(BIN) analyze testdata/demo --format markdown -o demo-out/findings.md
	./$(BIN) report testdata/demo -o demo-out/report.html
	./$(BIN) graph testdata/demo -o demo-out/exposure.svg
	./$(BIN) graph testdata/demo -o demo-out/exposure.png
	./$(BIN) analyze testdata/demo | tee demo-out/report.txt
	@echo "wrote demo-out/: report.txt findings.json findings.md report.html exposure.svg exposure.png"

# Refresh the picture the README shows.
docs/demo-exposure.png: build
	./$(BIN) graph testdata/demo -o $@

fmt:
	gofmt -w $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')

lint:
	@out=$$(gofmt -l $$(find . -name '*.go' -not -path './vendor/*')); \
	if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

tidy-check:
	$(GO) mod tidy -diff

clean:
	rm -rf bin demo-out
