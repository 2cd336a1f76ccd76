# expect: flag | target: py311 (quadratic: CPython appends in place only to a plain local)
class Report:
    def render(self, rows):
        self.text = ""
        for row in rows:
            self.text += f"{row}\n"
        return self.text
