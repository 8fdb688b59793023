// ledger report: search and sort the incidents table. Without scripts the
// table is a plain table; nothing here loads or sends anything.
(function () {
  "use strict";
  var table = document.getElementById("incidents");
  var box = document.getElementById("search");
  var input = document.getElementById("q");
  var shown = document.getElementById("shown");
  if (!table || !box || !input || !shown) { return; }
  var body = table.tBodies[0];
  var rows = Array.prototype.slice.call(body.rows);
  var texts = rows.map(function (row) {
    return (row.textContent + " " + (row.getAttribute("data-search") || "")).toLocaleLowerCase();
  });
  box.hidden = false;

  function filter() {
    var words = input.value.toLocaleLowerCase().split(/\s+/).filter(Boolean);
    var n = 0;
    rows.forEach(function (row, i) {
      var hit = words.every(function (w) { return texts[i].indexOf(w) !== -1; });
      row.hidden = !hit;
      if (hit) { n += 1; }
    });
    shown.textContent = n + " of " + rows.length + " shown";
  }
  input.addEventListener("input", filter);

  function key(row, col) {
    var cell = row.cells[col];
    return cell ? (cell.getAttribute("data-sort") || cell.textContent).toLocaleLowerCase() : "";
  }
  var heads = Array.prototype.slice.call(table.tHead.rows[0].cells);
  heads.forEach(function (th, col) {
    var button = document.createElement("button");
    button.type = "button";
    button.textContent = th.textContent;
    th.textContent = "";
    th.appendChild(button);
    button.addEventListener("click", function () {
      var up = th.getAttribute("aria-sort") !== "ascending";
      heads.forEach(function (h) { h.removeAttribute("aria-sort"); });
      th.setAttribute("aria-sort", up ? "ascending" : "descending");
      var order = rows.map(function (row, i) { return [key(row, col), i]; });
      order.sort(function (a, b) {
        var c = a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] - b[1];
        return up ? c : -c;
      });
      var frag = document.createDocumentFragment();
      order.forEach(function (pair) { frag.appendChild(rows[pair[1]]); });
      body.appendChild(frag);
    });
  });
})();
