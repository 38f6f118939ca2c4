"""Train the estimator named in params.yaml on the prepared training set."""

import importlib
import pickle
from pathlib import Path

import pandas as pd
import yaml
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

params = yaml.safe_load(Path("params.yaml").read_text())["train"]
module_name, class_name = params["estimator"].rsplit(".", 1)
estimator_class = getattr(importlib.import_module(module_name), class_name)
estimator = estimator_class(**params["hyperparameters"], random_state=params["seed"])

train = pd.read_csv("data/prepared/train.csv")
model = make_pipeline(StandardScaler(), estimator)
model.fit(train.drop(columns="target"), train["target"])

Path("models").mkdir(exist_ok=True)
# Pickle is safe here: the model is written and read by this pipeline only.
Path("models/model.pkl").write_bytes(pickle.dumps(model))
