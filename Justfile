# Jarvis: `just up` runs it, `just test` tests it. Both set themselves up on first use.

set shell := ["bash", "-euo", "pipefail", "-c"]

venv := ".venv"
bin := venv / "bin"

# List the recipes
default:
    @just --list

# Create .venv and install Jarvis with every extra; does nothing when pyproject.toml is unchanged
setup:
    #!/usr/bin/env bash
    set -euo pipefail
    stamp="{{venv}}/.installed-$(sha256sum pyproject.toml | cut -c1-16)"
    [ -f "$stamp" ] && exit 0
    python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
        || { echo "Jarvis needs Python 3.11 or newer as python3" >&2; exit 1; }
    command -v uv >/dev/null || python3 -m pip install --quiet uv
    uv="$(command -v uv || echo "$(python3 -c 'import sysconfig; print(sysconfig.get_path("scripts"))')/uv")"
    [ -x "{{bin}}/python" ] || "$uv" venv --quiet --python python3 "{{venv}}"
    VIRTUAL_ENV="{{venv}}" "$uv" pip install --quiet -e '.[all,dev]'
    rm -f "{{venv}}"/.installed-*
    touch "$stamp"

# Run Jarvis on this machine with embedded defaults (Ctrl-C stops it)
up: (system-packages "up") setup
    {{bin}}/jarvis up

# Run the whole test suite
test *args: (system-packages "test") setup
    {{bin}}/pytest {{args}}

# Check the system packages (scripts/system-packages.txt) and install what is missing
system-packages for="all":
    scripts/system-packages {{for}}

# Lint, format check, type check and the architecture contracts
lint: setup
    {{bin}}/ruff check .
    {{bin}}/ruff format --check .
    {{bin}}/mypy
    {{bin}}/lint-imports
    {{bin}}/python scripts/sql_in_store.py

# Format the code in place
fmt: setup
    {{bin}}/ruff format .
    {{bin}}/ruff check --fix .

# Run the benchmarks, each printing our figures beside the alternative's
bench: (system-packages "all") setup
    {{bin}}/python bench/intents.py
    {{bin}}/python bench/speech.py
    {{bin}}/python bench/wake_word.py
    {{bin}}/python bench/wake_word.py --flite
    {{bin}}/python bench/wake_command.py
    {{bin}}/python bench/missions.py
    {{bin}}/python bench/cloud.py
    {{bin}}/python bench/weather.py
    {{bin}}/python bench/understanding.py
    {{bin}}/python bench/console.py
    {{bin}}/python bench/home.py

# Retrain the learned tier's head (seeded; writes understanding/artifact/); CI never runs this
train: setup
    nice -n 10 {{bin}}/python scripts/build_encoder.py
    nice -n 10 {{bin}}/python scripts/train_understanding.py

# Choose where whisper's words are doubted and the learned tier's bar for them, on a spoken dev set (~25 min on 2 cores)
choose-doubted-words *args: setup
    nice -n 10 {{bin}}/python scripts/choose_doubted_words.py {{args}}

# Chaos: cloud, PostgreSQL and two edges as real processes, killed and cut at random under traffic
chaos *args: setup
    {{bin}}/python bench/chaos.py {{args}}

# Train the wake word's heads from synthesized speech (seeded, four fits; ~25 min on 2 cores, ~6 with --cache FILE)
train-wake-word *args: setup
    nice -n 10 {{bin}}/python -m assistant.audio.wake_word_training {{args}}

# Train the wake word's whisper check beside its heads (seeded; ~20 min on 2 cores): rerun after train-wake-word
train-wake-check *args: setup
    nice -n 10 {{bin}}/python -m assistant.audio.wake_check_training {{args}}

# Choose how near an enrolled voice must be, on unseen dev voices, and write it into the model (~2 min on 2 cores)
calibrate-wake-enrollment *args: setup
    nice -n 10 {{bin}}/python -m assistant.audio.wake_enrollment_calibration {{args}}

# Choose the wake word's slowed look (factor, floor, verifier) on dev voices said fast and not (~10 min on 2 cores)
calibrate-wake-slowed *args: setup
    nice -n 10 {{bin}}/python -m assistant.audio.wake_slowed_calibration {{args}}
