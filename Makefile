# Jemput. `make demo` runs the main job on embedded defaults; `make test` runs every test.
GO      ?= go
BIN     := bin
FUZZTIME ?= 30s

.PHONY: all build test demo bench fuzz lint clean

all: build

build:
	$(GO) build -o $(BIN)/ ./cmd/...

# Unit, integration, crash (SIGKILL) and fuzz-seed tests on real SQLite files.
test:
	$(GO) test -count=1 -timeout 30m ./...

demo: build
	./scripts/demo.sh

# Benchmarks behind the figures in the issue notes. BENCH narrows them.
BENCH ?= .
bench:
	$(GO) test -p 1 -run '^$$' -bench '$(BENCH)' -benchmem -timeout 60m ./...

# Each fuzz target for FUZZTIME (go test -fuzz takes one target at a time).
FUZZ_TARGETS := \
	./internal/nik:FuzzParse \
	./internal/record:FuzzDecode \
	./internal/tracking:FuzzParse \
	./internal/hlc:FuzzParse \
	./internal/wilayah:FuzzNormalizeCode \
	./internal/wilayah:FuzzCSV \
	./internal/atrest:FuzzOpen \
	./internal/atrest:FuzzUnmarshalWrapped \
	./syncproto:FuzzOpen \
	./syncproto:FuzzPeekHeader \
	./syncproto:FuzzSignedBody \
	./syncproto:FuzzVerifyReceipt \
	./syncproto:FuzzReadReturn \
	./syncproto:FuzzParseRequestAuth \
	./internal/targets:FuzzParse \
	./internal/roster:FuzzParse \
	./internal/password:FuzzVerify
fuzz:
	@set -e; for t in $(FUZZ_TARGETS); do \
		pkg=$${t%%:*}; fn=$${t##*:}; \
		echo "== $$pkg $$fn ($(FUZZTIME))"; \
		$(GO) test -run '^$$' -fuzz "^$$fn$$" -fuzztime $(FUZZTIME) -fuzzminimizetime 5s $$pkg; \
	done

lint:
	@out=$$(gofmt -l .); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

clean:
	rm -rf $(BIN)
