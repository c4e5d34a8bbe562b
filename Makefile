# Thin wrapper around CMake. `make deps && make && make test`.
BUILD ?= build
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?= -DCMAKE_BUILD_TYPE=Release

.PHONY: all deps build test test-fast test-sanitize clean demo serve image image-test

all: build

deps:
	bash deploy/install-deps.sh

$(BUILD)/CMakeCache.txt:
	cmake -S . -B $(BUILD) $(CMAKE_FLAGS)

build: $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j $(JOBS)

# The whole suite (test-fast), then the whole suite again under ASan + UBSan (clang, -O2 -g,
# UB is fatal) with the fuzz targets' short runs (tests/fuzz): test-sanitize.
SANITIZE_BUILD ?= build-sanitize
test: test-fast test-sanitize

test-fast: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

test-sanitize:
	cmake -S . -B $(SANITIZE_BUILD) -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=RelWithDebInfo -DOCTET_FUZZ=ON
	cmake --build $(SANITIZE_BUILD) -j $(JOBS)
	cd $(SANITIZE_BUILD) && ctest --output-on-failure -j $(JOBS)

clean:
	rm -rf $(BUILD) $(SANITIZE_BUILD)

FMNIST ?= /usr/share/datasets/fashion-mnist
demo: build
	@for m in fmnist_mlp fmnist_cnn fmnist_resnet; do \
	  for p in fp32 int8; do \
	    echo "== $$m $$p"; \
	    $(BUILD)/octet eval --model models/$$m/model.onnx --precision $$p \
	      --idx-images $(FMNIST)/t10k-images-idx3-ubyte.gz \
	      --idx-labels $(FMNIST)/t10k-labels-idx1-ubyte.gz || exit 1; \
	  done; \
	done

# Install, build and serve the bundled models on 127.0.0.1:8000 (Ctrl-C stops it).
# Extra flags: make serve SERVE_ARGS="--port 9000 --device opencl"
SERVE_ARGS ?=
serve: deps build
	$(BUILD)/octet serve --model-repository models $(SERVE_ARGS)

# The container image (deploy/Dockerfile) with podman or docker; image-test builds it,
# runs it, waits for readiness and sends a real /infer (deploy/build-image.sh).
image:
	bash deploy/build-image.sh build
image-test:
	bash deploy/build-image.sh test
