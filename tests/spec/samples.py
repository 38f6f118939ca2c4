"""Specs shared by the tests of mlci.yaml: one that uses every section and shorthand."""

from __future__ import annotations

PINNED = "actions/setup-node@1d0ff469b7ec7b3cb9d8673fde0c81c44821de2a"

# Valid: every section, every shorthand and long form, a `wdir`, folders as outputs.
FULL_SPEC = f"""\
version: 1
problem:
  task: regression
  target: price
  description: Predict house prices.
data:
  - path: data/raw
    description: Raw listings.
  - path: data/external.csv
    url: https://example.com/external.csv
  - path: data/shared
    import:
      repo: https://github.com/example/registry
      path: datasets/shared
      rev: v1
params: [params.yaml, extra.yaml]
stages:
  featurize:
    description: Build features.
    cmd:
      - python src/featurize.py
      - echo done
    wdir: .
    deps: [src/featurize.py, data/raw, data/external.csv]
    params:
      - featurize.window
      - extra.yaml: [scaling]
    outs:
      - data/features
      - path: data/cache.bin
        cache: false
        persist: true
        push: false
        remote: backup
        desc: scratch space
  train:
    cmd: python src/train.py
    deps: [src/train.py, data/features/train.parquet, data/shared]
    params:
      - train
      - {{file: extra.yaml, keys: [seed]}}
      - extra.yaml:
    outs: [models/model.pkl]
    metrics:
      - metrics/train.json
      - path: metrics/train-extra.json
        cache: true
    plots:
      - path: plots/loss.csv
        x: step
        y: loss
        template: linear
        title: Loss
        x_label: step
        y_label: loss
    always_changed: true
  evaluate:
    cmd: python evaluate.py
    wdir: src
    deps: [evaluate.py, ../models/model.pkl]
    metrics: [../metrics/eval.json]
    frozen: false
metrics:
  rmse:
    file: metrics/eval.json
    direction: lower
    threshold: 3.5
    tolerance: 0.01
    description: Root mean squared error.
  r2:
    file: metrics/eval.json
    key: scores.r2
    direction: higher
  train_loss:
    file: metrics/train.json
    key: loss
    direction: lower
gates:
  merge:
    - metric: rmse
      max: 5
      max_regression: 0.1
      no_baseline: pass
    - metric: r2
      min: 0.5
      max_regression_pct: 2
      required: false
      severity: warn
    - check: reproduced
  deploy:
    - metric: rmse
      max: 4
ci:
  python: "3.12"
  runs_on: [self-hosted, gpu]
  install: python -m pip install -e .
  main_branch: trunk
  branches: [trunk, release]
  timeout_minutes: 90
  schedule: "0 3 * * 1"
  cache:
    pip: false
    dvc: true
  remote:
    name: storage
    url: s3://bucket/path
    credentials:
      AWS_ACCESS_KEY_ID: AWS_ACCESS_KEY_ID
      AWS_SECRET_ACCESS_KEY: AWS_SECRET
    environment: dvc-remote
overrides:
  env:
    PYTHONHASHSEED: "0"
  steps:
    - after: install
      workflows: [pr]
      steps:
        - name: Set up node (v4)
          uses: {PINNED}
        - run: echo "$TITLE"
          env:
            TITLE: ${{{{ github.event.pull_request.title }}}}
        - uses: ./.github/actions/local
        - uses: docker://alpine@sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb
    - before: reproduce
      steps:
        - run: nvidia-smi
  set:
    - path: jobs.reproduce.runs-on
      value: [self-hosted, gpu]
    - workflow: main
      path: concurrency.group
      value: main
"""

FULL_FILES = {
    "src/featurize.py": "print('featurize')\n",
    "src/train.py": "print('train')\n",
    "src/evaluate.py": "print('evaluate')\n",
    "data/raw/listings.csv": "price\n1\n",
    "params.yaml": "featurize:\n  window: 3\ntrain:\n  lr: 0.1\n",
    "extra.yaml": "scaling: true\nseed: 1\n",
}
