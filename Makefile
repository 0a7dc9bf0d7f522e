# The two commands of the README. Everything installs into .venv.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint bench install clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q "torch==2.13.0"
	$(BIN)/pip install -q -e ".[all,bench,dev]"
	touch $(STAMP)

install: $(STAMP)

# Until the HTTP service lands, `make run` is a short CLI demo on English and Chinese text.
run: $(STAMP)
	$(BIN)/affectkit models
	$(BIN)/affectkit analyze --explain "I absolutely love this phone, but the battery is NOT great :(" \
		"The movie wasn't bad at all!" "这家酒店服务很好，但是房间太小了。" "今天真开心😊" "Сегодня хороший день"
	$(BIN)/affectkit analyze --model text-emotion-en --explain "Thank you so much, this made my day!"
	$(BIN)/affectkit analyze --model lexicon-en "The staff were friendly but the room was NOT clean :("
	$(BIN)/affectkit analyze --json "Best. Day. Ever!!!"

test: $(STAMP)
	HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 $(BIN)/ruff check src tests bench
	HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 $(BIN)/python -m pytest -q

bench: $(STAMP)
	$(BIN)/python bench/text_lexicon.py

clean:
	rm -rf $(VENV) build src/*.egg-info .pytest_cache .ruff_cache
