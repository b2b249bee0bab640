// The query page: CodeMirror editor, saved queries, results table, downloads.
// Every value from a result is put in the page with textContent or as an
// attribute, never as HTML; links go only to http(s) IRIs.
(function () {
  "use strict";

  const RESULTS_JSON = "application/sparql-results+json";
  const ACCEPT = RESULTS_JSON + ", text/turtle;q=0.9";
  const MAX_ROWS = 2000;
  const TABLE_FORMATS = [["csv", "CSV"], ["tsv", "TSV"], ["json", "JSON"]];
  const GRAPH_FORMATS = [["ttl", "Turtle"], ["nt", "N-Triples"], ["jsonld", "JSON-LD"]];
  const XSD = "http://www.w3.org/2001/XMLSchema#";
  // Datatypes the table does not label: strings and the usual numbers speak for themselves.
  const PLAIN_TYPES = ["string", "integer", "decimal", "double"];

  const script = document.currentScript;
  const form = document.getElementById("query-form");
  const textarea = document.getElementById("query");
  const results = document.getElementById("results");
  const downloads = document.getElementById("downloads");
  const status = document.getElementById("status");
  let config = { endpoint: form.getAttribute("action"), base: null, prefixes: {}, terms: [] };
  let editor = null;

  function el(tag, text, className) {
    const node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = text;
    if (className) node.className = className;
    return node;
  }

  // ---------------------------------------------------------------- IRIs

  function compact(iri) {
    if (config.base && iri.startsWith(config.base) && iri.length > config.base.length) {
      return iri.slice(config.base.length);
    }
    let best = null;
    for (const [prefix, ns] of Object.entries(config.prefixes)) {
      if (iri.startsWith(ns) && iri.length > ns.length && (!best || ns.length > best[1].length)) {
        best = [prefix, ns];
      }
    }
    return best ? best[0] + ":" + iri.slice(best[1].length) : iri;
  }

  function hrefOf(iri) {
    if (config.base && iri.startsWith(config.base) && iri.length > config.base.length) {
      const rest = iri.slice(config.base.length)
        .replace(/[^A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]/g, encodeURIComponent);
      return rootPath() + "/" + rest;
    }
    return /^https?:\/\//i.test(iri) ? iri : null;
  }

  function rootPath() {
    // The app's root: the endpoint path without its last segment ("/sparql").
    return config.endpoint.replace(/\/[^/]*$/, "");
  }

  function termCell(term) {
    const td = el("td");
    if (!term) return td;
    if (term.type === "uri") {
      const href = hrefOf(term.value);
      const node = el(href ? "a" : "span", compact(term.value), "iri");
      if (href) node.setAttribute("href", href);
      node.setAttribute("title", term.value);
      td.appendChild(node);
    } else if (term.type === "bnode") {
      td.appendChild(el("span", "_:" + term.value, "bnode"));
    } else {
      td.appendChild(el("span", term.value, "literal"));
      if (term["xml:lang"]) td.appendChild(el("span", "@" + term["xml:lang"], "lang"));
      const xsdName = term.datatype && term.datatype.startsWith(XSD) ? term.datatype.slice(XSD.length) : null;
      if (term.datatype && !PLAIN_TYPES.includes(xsdName)) {
        td.appendChild(el("span", compact(term.datatype), "datatype"));
      }
    }
    return td;
  }

  // ---------------------------------------------------------------- results

  function showTable(body) {
    const vars = body.head.vars || [];
    const rows = body.results.bindings;
    const table = el("table", null, "results-table");
    const head = el("tr");
    for (const name of vars) head.appendChild(el("th", "?" + name));
    table.appendChild(el("thead")).appendChild(head);
    const tbody = table.appendChild(el("tbody"));
    for (const row of rows.slice(0, MAX_ROWS)) {
      const tr = el("tr");
      for (const name of vars) tr.appendChild(termCell(row[name]));
      tbody.appendChild(tr);
    }
    results.replaceChildren(table);
    if (rows.length > MAX_ROWS) {
      results.appendChild(el("p", `Showing ${MAX_ROWS} of ${rows.length} rows; download them all.`, "note"));
    }
    return `${rows.length} result${rows.length === 1 ? "" : "s"}`;
  }

  function showBoolean(body) {
    results.replaceChildren(el("p", body.boolean ? "true" : "false", "boolean-result"));
    return "ASK answered " + body.boolean;
  }

  function showGraph(text) {
    results.replaceChildren(el("pre", text, "graph-result"));
    const triples = text.split(/\s\.\s*\n/).length - 1;
    return `about ${triples} statement${triples === 1 ? "" : "s"} (Turtle)`;
  }

  function showError(statusCode, text) {
    results.replaceChildren(el("pre", text.trim() || `HTTP ${statusCode}`, "error"));
  }

  function showDownloads(query, formats) {
    downloads.replaceChildren(el("span", "Download: "));
    for (const [format, label] of formats) {
      const params = new URLSearchParams({ query: query, format: format });
      const link = el("a", label, "download");
      link.setAttribute("href", config.endpoint + "?" + params.toString());
      link.setAttribute("download", "results." + format);
      link.dataset.format = format;
      downloads.appendChild(link);
    }
    downloads.hidden = false;
  }

  async function run() {
    const query = editor ? editor.getValue() : textarea.value;
    status.textContent = "running…";
    status.className = "running";
    downloads.hidden = true;
    const started = performance.now();
    let response;
    try {
      response = await fetch(config.endpoint, {
        method: "POST",
        headers: { "Content-Type": "application/x-www-form-urlencoded", "Accept": ACCEPT },
        body: new URLSearchParams({ query: query }),
      });
    } catch (error) {
      status.textContent = "";
      showError(0, "The endpoint could not be reached: " + error);
      return;
    }
    const seconds = ((performance.now() - started) / 1000).toFixed(2);
    const type = (response.headers.get("Content-Type") || "").split(";")[0].trim();
    const text = await response.text();
    if (!response.ok) {
      status.textContent = `error ${response.status}`;
      status.className = "failed";
      showError(response.status, text);
      return;
    }
    let summary;
    if (type === RESULTS_JSON) {
      const body = JSON.parse(text);
      if ("boolean" in body) {
        summary = showBoolean(body);
        showDownloads(query, TABLE_FORMATS.filter(([f]) => f === "json"));
      } else {
        summary = showTable(body);
        showDownloads(query, TABLE_FORMATS);
      }
    } else {
      summary = showGraph(text);
      showDownloads(query, GRAPH_FORMATS);
    }
    status.textContent = `${summary} in ${seconds} s`;
    status.className = "done";
  }

  // ---------------------------------------------------------------- completion

  function declared(cm, prefix) {
    const pattern = new RegExp("^\\s*PREFIX\\s+" + prefix + ":", "im");
    return pattern.test(cm.getValue());
  }

  function declarePrefix(cm, prefix) {
    const ns = config.prefixes[prefix];
    if (ns && !declared(cm, prefix)) {
      cm.replaceRange(`PREFIX ${prefix}: <${ns}>\n`, CodeMirror.Pos(0, 0));
    }
  }

  function hints(cm) {
    const cursor = cm.getCursor();
    const line = cm.getLine(cursor.line);
    let start = cursor.ch;
    while (start > 0 && /[\w:\-]/.test(line.charAt(start - 1))) start -= 1;
    const word = line.slice(start, cursor.ch);
    const before = line.slice(0, start);
    let list;
    if (/^\s*PREFIX\s+$/i.test(before)) {
      const typed = word.replace(/:.*$/, "");
      list = Object.entries(config.prefixes)
        .filter(([prefix]) => prefix.startsWith(typed))
        .map(([prefix, ns]) => ({ text: `${prefix}: <${ns}>`, displayText: `${prefix}: <${ns}>` }));
    } else {
      const prefixes = Object.keys(config.prefixes).map((p) => p + ":");
      const words = word.includes(":") ? config.terms : prefixes.concat(config.terms);
      list = words.filter((w) => w.startsWith(word)).map((w) => ({
        text: w,
        hint: (cm2, data, completion) => {
          cm2.replaceRange(completion.text, data.from, data.to);
          declarePrefix(cm2, completion.text.split(":")[0]);
        },
      }));
    }
    return { list: list, from: CodeMirror.Pos(cursor.line, start), to: cursor };
  }

  function setUpEditor() {
    if (typeof CodeMirror === "undefined") return;  // plain textarea still works
    editor = CodeMirror.fromTextArea(textarea, {
      mode: "application/sparql-query",
      lineNumbers: true,
      matchBrackets: true,
      indentUnit: 2,
      viewportMargin: Infinity,
      extraKeys: {
        "Ctrl-Space": (cm) => cm.showHint({ hint: hints, completeSingle: false }),
        "Ctrl-Enter": () => run(),
        "Cmd-Enter": () => run(),
      },
    });
    editor.on("inputRead", (cm, change) => {
      if (cm.state.completionActive || change.origin !== "+input") return;
      const cursor = cm.getCursor();
      const before = cm.getLine(cursor.line).slice(0, cursor.ch);
      if (/(^\s*PREFIX\s+\w*$)|([A-Za-z][\w\-]*:[\w\-]*$)/i.test(before)) {
        cm.showHint({ hint: hints, completeSingle: false });
      }
    });
  }

  // ---------------------------------------------------------------- wiring

  function loadExample(button) {
    const source = button.parentElement.querySelector(".example-query");
    const query = source.textContent.trim() + "\n";
    if (editor) {
      editor.setValue(query);
      editor.focus();
    } else {
      textarea.value = query;
    }
    for (const other of document.querySelectorAll("button.example")) {
      other.classList.toggle("selected", other === button);
    }
    status.textContent = "";
  }

  async function start() {
    try {
      const response = await fetch(script.dataset.config, { headers: { Accept: "application/json" } });
      if (response.ok) config = await response.json();
    } catch (error) {
      // keep the defaults: links to pages are then not rewritten
    }
    setUpEditor();
    for (const button of document.querySelectorAll("button.example")) {
      button.addEventListener("click", () => loadExample(button));
    }
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      run();
    });
    document.body.dataset.ready = "true";  // for tests: listeners are attached
  }

  start();
})();
