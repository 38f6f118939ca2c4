"""`mlci monitor`: a deployed model's current window of data against its reference, feature
by feature (drift with effect sizes and p-values), and the verdict that starts maintenance."""
