"""A highlighted code block with "Copy" and "Insert as new cell".

Copying to the clipboard can only happen in the browser, so this one widget carries a
few lines of JavaScript (anywidget); inserting is the kernel's job and arrives here as
a message.
"""

from collections.abc import Callable

import anywidget
from traitlets import Unicode

from learnflow_ext.widgets.highlight import code_html

_ESM = """
function copyText(text) {
  if (navigator.clipboard && window.isSecureContext) {
    return navigator.clipboard.writeText(text);
  }
  // Plain-http servers have no async clipboard: fall back to a selected textarea.
  const area = document.createElement("textarea");
  area.value = text;
  area.style.position = "fixed";
  area.style.opacity = "0";
  document.body.appendChild(area);
  area.select();
  try { document.execCommand("copy"); } finally { area.remove(); }
  return Promise.resolve();
}

function render({ model, el }) {
  el.classList.add("learnflow-code");
  const head = document.createElement("div");
  head.className = "learnflow-code-head";
  const title = document.createElement("strong");
  const copy = document.createElement("button");
  copy.textContent = "Copy";
  const insert = document.createElement("button");
  const replace = document.createElement("button");
  const status = document.createElement("span");
  status.className = "learnflow-code-status";
  status.setAttribute("aria-live", "polite");
  head.append(title, copy, insert, replace, status);
  const body = document.createElement("div");
  el.append(head, body);

  const draw = () => {
    title.textContent = model.get("title");
    insert.textContent = model.get("insert_label");
    insert.style.display = model.get("insert_label") ? "" : "none";
    replace.textContent = model.get("replace_label");
    replace.style.display = model.get("replace_label") ? "" : "none";
    body.innerHTML = model.get("html");
    status.textContent = model.get("status");
  };
  copy.addEventListener("click", () => {
    copyText(model.get("code")).then(
      () => { status.textContent = "Copied."; },
      () => { status.textContent = "Copy failed: select the code and press Ctrl+C."; },
    );
  });
  insert.addEventListener("click", () => model.send({ event: "insert" }));
  replace.addEventListener("click", () => model.send({ event: "replace" }));
  model.on("change", draw);
  draw();
}
export default { render };
"""

_CSS = """
.learnflow-code { margin: 4px 0; }
.learnflow-code-head { display: flex; gap: 6px; align-items: center; margin-bottom: 2px; }
.learnflow-code-head button { font-size: 12px; padding: 1px 8px; cursor: pointer; }
.learnflow-code-status { color: #6b7280; font-size: 12px; }
"""

Inserter = Callable[[str], str]


class CodeView(anywidget.AnyWidget):
    _esm = _ESM
    _css = _CSS

    code = Unicode("").tag(sync=True)
    language = Unicode("python").tag(sync=True)
    title = Unicode("").tag(sync=True)
    html = Unicode("").tag(sync=True)
    insert_label = Unicode("Insert as new cell").tag(sync=True)
    replace_label = Unicode("").tag(sync=True)
    status = Unicode("").tag(sync=True)

    def __init__(
        self,
        code: str,
        *,
        language: str = "python",
        title: str = "",
        insert_label: str = "Insert as new cell",
        inserter: Inserter | None = None,
    ) -> None:
        super().__init__(
            code=code,
            language=language,
            title=title,
            html=code_html(code, language),
            insert_label=insert_label if inserter else "",
        )
        self._inserter = inserter
        self._replacer: Inserter | None = None
        self.on_msg(self._on_frontend_message)

    def set_inserter(self, inserter: Inserter) -> None:
        self._inserter = inserter

    def set_replacer(self, replacer: Inserter, label: str = "Replace cell") -> None:
        self._replacer = replacer
        self.replace_label = label

    def report(self, status: str) -> None:
        """What happened to an insert or replace, when the frontend answers later."""
        self.status = status

    def _on_frontend_message(self, _widget: object, content: object, _buffers: object) -> None:
        if isinstance(content, dict) and content.get("event") == "insert":
            self.insert()
        elif isinstance(content, dict) and content.get("event") == "replace":
            self.replace()

    def replace(self) -> None:
        if self._replacer is not None:
            self.status = self._replacer(self.code)

    def insert(self) -> None:
        """What the "Insert" button does; the inserter says what the student should expect."""
        if self._inserter is not None:
            self.status = self._inserter(self.code)
