# expect: clean | target: py311 (the compiler folds the literal list to a tuple constant)
def vowels(text):
    return sum(1 for ch in text if ch in ["a", "e", "i", "o", "u"])
