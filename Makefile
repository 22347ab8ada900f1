# Portal Media Center. `make run` starts the demo portal, `make test` runs every test.
SHELL := /bin/sh
UV := $(shell scripts/ensure-uv)
MANAGE := $(UV) run --frozen python manage.py

.PHONY: run test security install messages lint format bench clean

install: ## install the locked dependencies and compile the translations
	$(UV) sync --frozen
	$(MANAGE) i18n compile

run: install ## prepare the database, seed the demo and start web, worker, beat and simulator
	$(MANAGE) migrate --noinput
	$(MANAGE) collectstatic --noinput --verbosity 0
	$(MANAGE) seed_demo
	$(MANAGE) runportal

test: install ## every test: unit, real worker processes, browser (Chromium)
	$(UV) run --frozen pytest $(PYTEST_ARGS)

security: install ## the security, reliability and accessibility tests alone; prints their figures
	$(UV) run --frozen pytest tests/security tests/browser/test_accessibility.py $(PYTEST_ARGS)

messages: ## update the .po files from the code's strings (then translate the empty ones)
	$(UV) run --frozen python manage.py i18n extract

lint:
	$(UV) run --frozen ruff check .
	$(UV) run --frozen ruff format --check .

format:
	$(UV) run --frozen ruff check --fix .
	$(UV) run --frozen ruff format .

bench: install ## run the benchmarks in bench/ (prints ratios; not part of the tests)
	$(UV) run --frozen python -m bench

clean:
	rm -rf var/static var/celery var/test-*.sqlite3*
