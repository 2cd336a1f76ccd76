# expect: flag | target: py311 (list() copies the tuple for nothing)
def show(items: tuple):
    for item in list(items):
        print(item)
