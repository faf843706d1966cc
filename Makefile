# The two commands (see README.md):
#   make demo   set up if needed, then serve the demo on http://127.0.0.1:8080 (PORT overrides)
#   make test   set up if needed, then run the whole test suite
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

clean:
	rm -rf $(BUILD_DIR) web/dist var/demo
