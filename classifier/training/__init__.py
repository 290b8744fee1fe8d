"""Training and evaluation: generate the synthetic corpus, fit and save a model, evaluate it on the
real posts and compare it with baselines. Nothing that classifies at run time imports this package;
building the default model (``train.ensure_default_model``) is an explicit step the CLI and the page call."""
