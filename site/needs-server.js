// Every page of the site includes this (in its <head>): opened from a folder (file://),
// where a browser will not start Python or load the notebooks, the page says at once that
// it needs a web server, and gives the one line that starts one in the site's folder.
(function () {
  if (location.protocol !== "file:") return;
  var here = document.currentScript.src;  // this file is at the site's root
  var root = new URL(".", here).pathname;
  var folder = decodeURIComponent(root).replace(/^\/([A-Za-z]:)/, "$1").replace(/\/$/, "");
  var page = location.pathname.slice(root.length) + location.search + location.hash;
  var command = 'python3 -m http.server -d "' + folder + '"';
  var address = "http://localhost:8000/" + page;
  function show() {
    var note = document.createElement("div");
    note.id = "needs-server";
    note.setAttribute("role", "alert");
    note.style.cssText =
      "position:fixed;top:0;left:0;right:0;z-index:2147483647;background:#fff3cd;" +
      "color:#212529;border-bottom:3px solid #ffc107;padding:12px 18px;" +
      "font:15px/1.5 Helvetica,Arial,sans-serif;box-shadow:0 2px 8px rgba(0,0,0,.2)";
    function add(tag, text, style) {
      var el = document.createElement(tag);
      el.textContent = text;
      if (style) el.style.cssText = style;
      note.appendChild(el);
      return el;
    }
    add("strong", "This page needs a web server.");
    add("span", " Opened from a folder (file://), a browser will not start Python. " +
      "In a terminal, run:");
    add("code", command, "display:block;margin:6px 0;padding:6px 10px;background:#fff;" +
      "border:1px solid #ffe69c;font:14px Menlo,Consolas,monospace;user-select:all");
    add("span", "then open ");
    var link = add("a", address);
    link.href = address;
    add("span", " (on Windows, py instead of python3; from the project's folder, " +
      "python3 -m http.server -d dist/site).");
    document.body.appendChild(note);
  }
  if (document.body) show();
  else document.addEventListener("DOMContentLoaded", show);
})();
