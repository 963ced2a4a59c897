"""One module per figure group of issue 6, in the order RESULTS.md lists them."""
