"""The scorer: two models compared on the same rows, with confidence.

The small interface the merge gate and the deploy gate both use:

    read_predictions(path, content, task) -> Predictions     a predictions file, checked
    same_rows(base, change) -> RowMatch                      are these the same rows?
    compare_paired(base, change, requests, settings, task=, positive=) -> PairedComparison
        each requested metric of both models on the rows both hold: the difference, its
        paired-bootstrap interval, a p-value (McNemar's exact test for accuracy, a paired
        t-test for regression errors, else the bootstrap's), the verdict ("better",
        "within noise", "worse") and the smallest difference the rows can detect

Nothing here reads a file or runs a model: callers bring the predictions (mlci.usecases).
"""
