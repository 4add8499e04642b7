// Search as you type: a registry table follows its search box, from the page's JSON twin.
// Without this script the box searches on Enter; every page works as plain links.
"use strict";

function cell(slug, column, value) {
  const td = document.createElement("td");
  if (column === "uid" && value) {
    const link = document.createElement("a");
    link.href = "/record/" + slug + "/" + value;
    link.textContent = value;
    td.appendChild(link);
  } else {
    td.textContent = value === null || value === undefined ? "" : String(value);
  }
  return td;
}

function render(table, page) {
  const rows = table.querySelectorAll("tr.record, tr.empty");
  rows.forEach((row) => row.remove());
  for (const record of page.rows) {
    const tr = document.createElement("tr");
    tr.className = "record";
    for (const column of page.columns) tr.appendChild(cell(page.slug, column, record[column]));
    table.appendChild(tr);
  }
  if (page.rows.length === 0) {
    const tr = document.createElement("tr");
    tr.className = "empty";
    const td = document.createElement("td");
    td.colSpan = page.columns.length;
    td.textContent = "no records";
    tr.appendChild(td);
    table.appendChild(tr);
  }
}

// The version switcher opens the chosen version at once; without the script, its button does.
document.addEventListener("DOMContentLoaded", () => {
  const versions = document.querySelector("form.versions select");
  if (versions) versions.addEventListener("change", () => versions.form.submit());
});

document.addEventListener("DOMContentLoaded", () => {
  const box = document.querySelector("form.search input[name=q]");
  const table = document.querySelector("table.records");
  if (!box || !table) return;
  let timer = null;
  let latest = 0;
  box.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(async () => {
      const asked = ++latest;
      // The page's filters stay; the search replaces the query and the paging.
      const url = new URL("/api" + location.pathname + location.search, location.origin);
      url.searchParams.delete("before");
      if (box.value) url.searchParams.set("q", box.value);
      else url.searchParams.delete("q");
      const response = await fetch(url, { credentials: "same-origin" });
      if (asked !== latest || !response.ok) return;  // a later keystroke has its own answer
      render(table, await response.json());
      table.dataset.query = box.value;
    }, 120);
  });
});
