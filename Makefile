# shadowroute — see README.md. Every target works on a machine with only Go.
GO      ?= go
# Go 1.27.3 carries the standard-library security fixes govulncheck asks for
# (net/http, html/template); the go command fetches it from the module proxy
# on first use. go.mod still accepts Go 1.26.8 for people building by hand.
GOTOOLCHAIN ?= go1.27.3
export GOTOOLCHAIN
BIN     := bin/shadowroute
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -s -w -X main.version=$(VERSION)
PKGS    := ./...

.PHONY: all build test test-integration kube-binaries race bench bench-data bench-large fuzz vuln demo fmt lint vet tidy-check clean docs/demo-exposure.png

all: build

build:
	$(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/shadowroute

vet:
	$(GO) vet $(PKGS)

test: lint vet tidy-check
	$(GO) test $(PKGS)

# The live-cluster tests (sources/cluster, cli TestLiveCluster*) start a real
# etcd and kube-apiserver. make test runs them when the binaries are in
# build/kube-bin and skips them otherwise; this target builds the binaries
# from the Go module proxy (hack/kube-binaries.sh: ~6 minutes and 2 GB cold
# on 2 cores, cached after) and runs those tests, failing if any skips.
kube-binaries:
	GO=$(GO) bash hack/kube-binaries.sh

test-integration: kube-binaries
	SHADOWROUTE_REQUIRE_INTEGRATION=1 $(GO) test -count=1 -run 'Live|TestRead' ./sources/cluster/... ./cmd/shadowroute/...

# The race detector over every test (needs cgo: gcc is on the machine).
race:
	$(GO) test -race $(PKGS)

bench:
	$(GO) test -run '^$$' -bench . -benchmem $(PKGS)

# The generator's clusters on disk (docs/performance.md): small 1k pods,
# medium 10k, large 100k, seed 1 (the same files on every machine).
bench-data: build
	@for s in small medium large; do ./$(BIN) gen --size $$s --seed 1 -o build/bench/$$s; done

# The stage benchmarks on the large size too (one iteration takes minutes).
bench-large:
	SHADOWROUTE_BENCH_LARGE=1 $(GO) test -run '^$$' -bench 'Stages/large' -benchtime 1x -timeout 2h ./analysis

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

# Known vulnerabilities in the code paths we call. govulncheck normally reads
# vuln.go.dev; this machine reaches only the module proxy, so the database is
# built from the OSV files of the pinned golang.org/x/vulndb module by that
# module's own indexdb command (bump VULNDB_VERSION to refresh it).
GOVULNCHECK_VERSION ?= v1.9.0
VULNDB_VERSION      ?= v0.0.0-20261105234957-e22db6528018
VULNDB_DIR          := build/vulndb-$(VULNDB_VERSION)
vuln: $(VULNDB_DIR)/index/db.json
	$(GO) run golang.org/x/vuln/cmd/govulncheck@$(GOVULNCHECK_VERSION) -db file://$(abspath $(VULNDB_DIR)) ./...

$(VULNDB_DIR)/index/db.json:
	@osv="$$($(GO) mod download -json golang.org/x/vulndb@$(VULNDB_VERSION) | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$$/\1/p')/data/osv"; \
	  echo "building the vulnerability database from $$osv"; \
	  rm -rf $(VULNDB_DIR) && $(GO) run golang.org/x/vulndb/cmd/indexdb@$(VULNDB_VERSION) -vulns "$$osv" -out $(VULNDB_DIR)

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

STATICCHECK_VERSION ?= v0.8.2
lint:
	@out=$$(gofmt -l $$(find . -name '*.go' -not -path './vendor/*')); \
	if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) run honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION) ./...

tidy-check:
	$(GO) mod tidy -diff

clean:
	rm -rf bin demo-out build
