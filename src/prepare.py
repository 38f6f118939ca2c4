"""Load the breast cancer dataset that scikit-learn ships and split it into train and test sets."""

from pathlib import Path

import yaml
from sklearn.datasets import load_breast_cancer
from sklearn.model_selection import train_test_split

params = yaml.safe_load(Path("params.yaml").read_text())["prepare"]
frame = load_breast_cancer(as_frame=True).frame
train, test = train_test_split(
    frame, test_size=params["test_size"], random_state=params["seed"], stratify=frame["target"]
)
out = Path("data/prepared")
out.mkdir(parents=True, exist_ok=True)
train.to_csv(out / "train.csv", index=False)
test.to_csv(out / "test.csv", index=False)
