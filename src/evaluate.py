"""Score the trained model on the test set; write metrics and the confusion matrix data."""

import json
import pickle
from pathlib import Path

import pandas as pd
from sklearn.metrics import accuracy_score, f1_score

model = pickle.loads(Path("models/model.pkl").read_bytes())  # written by src/train.py
test = pd.read_csv("data/prepared/test.csv")
actual = test["target"]
predicted = model.predict(test.drop(columns="target"))

metrics = {
    "accuracy": round(float(accuracy_score(actual, predicted)), 6),
    "f1_macro": round(float(f1_score(actual, predicted, average="macro")), 6),
}
Path("metrics.json").write_text(json.dumps(metrics, indent=2, sort_keys=True) + "\n")
pd.DataFrame({"actual": actual, "predicted": predicted}).to_csv("predictions.csv", index=False)
