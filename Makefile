# The two commands (see README.md):
#   make demo   set up if needed, then serve the demo on http://127.0.0.1:8080 (PORT overrides)
#   make test   set up if needed, then run the whole test suite
#   make package  build the Debian package build/shangliang_<version>_amd64.deb (docs/operations.md)
BUILD_DIR ?= build
PORT ?= 8080

.PHONY: setup demo test package clean

setup:
	@bash scripts/setup.sh

demo: setup
	@mkdir -p var/demo
	exec ./$(BUILD_DIR)/shangliang serve --demo \
	  --server.port=$(PORT) \
	  --database.url=sqlite:var/demo/shangliang.db \
	  --notify.outbox_path=var/demo/outbox.jsonl \
	  --data_dir=var/demo

test: setup
	@bash scripts/test.sh

package: setup
	@bash scripts/build-web.sh
	@test -f web/dist/index.html || { echo "make package: web/dist/index.html missing (scripts/build-web.sh)" >&2; exit 1; }
	cd $(BUILD_DIR) && cpack -G DEB
	@ls -1 $(BUILD_DIR)/shangliang_*_amd64.deb

clean:
	rm -rf $(BUILD_DIR) web/dist var/demo
