// Runs the heatmap's ES module against a minimal DOM and a fake anywidget model (no browser):
// node heatmap_harness.mjs MODULE.mjs  -> prints JSON of what it drew and what a click set.
const [, , modulePath] = process.argv;

class Node {
  constructor(tag) {
    this.tag = tag;
    this.children = [];
    this.style = {};
    this.listeners = {};
    this.textContent = "";
    this.title = "";
  }
  appendChild(child) { this.children.push(child); return child; }
  replaceChildren() { this.children = []; }
  addEventListener(kind, fn) { (this.listeners[kind] ||= []).push(fn); }
  click() { (this.listeners.click || []).forEach((fn) => fn()); }
  createTHead() { return this.appendChild(new Node("thead")); }
  createTBody() { return this.appendChild(new Node("tbody")); }
  insertRow() { return this.appendChild(new Node("tr")); }
  insertCell() { return this.appendChild(new Node("td")); }
  all(tag) {
    const found = this.tag === tag ? [this] : [];
    return found.concat(...this.children.map((c) => c.all(tag)));
  }
}
globalThis.document = { createElement: (tag) => new Node(tag) };

const state = {
  title: "mastery",
  students: ["alice", "bob"],
  topics: ["dicts", "lists"],
  z: [[0.1, null], [0.9, 0.5]],
  selected: "",
};
const handlers = {};
const saved = [];
const model = {
  get: (key) => state[key],
  set: (key, value) => { state[key] = value; (handlers["change:" + key] || []).forEach((fn) => fn()); },
  save_changes: () => saved.push(state.selected),
  on: (event, fn) => { (handlers[event] ||= []).push(fn); },
};
const el = new Node("div");
const { default: widget } = await import(modulePath);
widget.render({ model, el });
const cells = el.all("td");
const before = {
  headers: el.all("th").map((th) => th.textContent),
  titles: cells.map((td) => td.title),
  colours: cells.map((td) => td.style.cssText.split("background:")[1]),
  scroll: el.children[0].style.cssText,
};
cells[2].click(); // bob · dicts
const afterCell = { selected: state.selected, saved: [...saved] };
el.all("th").find((th) => th.textContent === "alice").click();
console.log(JSON.stringify({ before, afterCell, afterName: { selected: state.selected, saved } }));
