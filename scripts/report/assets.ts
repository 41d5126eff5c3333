/** The report page's inline style sheet and script (no external resource; see html.ts). */

export const REPORT_CSS = `
:root{--fg:#212529;--dim:#6c757d;--line:#dee2e6;--bg:#fff;--soft:#f8f9fa;--ok:#2b8a3e;--bad:#c92a2a;--warn:#e67700}
*{box-sizing:border-box}body{font:13px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg);margin:0;padding:16px 24px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 6px;border-bottom:2px solid var(--line);padding-bottom:4px}h3{font-size:14px;margin:16px 0 6px}h4{margin:0 0 4px;font-size:13px}
.dim{color:var(--dim);font-weight:normal}code{background:var(--soft);padding:0 3px}
.toc{margin:4px 0;padding-left:18px}.scroll{overflow-x:auto}
table{border-collapse:collapse;font-size:12px}th,td{border:1px solid var(--line);padding:3px 6px;vertical-align:top;text-align:left}th{background:var(--soft);position:sticky;top:0}
.matrix td[data-col=addresses]{font-family:ui-monospace,monospace;white-space:nowrap}
.pill{border-radius:8px;padding:0 6px;font-size:11px}.pill.active{background:#d3f9d8}.pill.deferred{background:#e9ecef}
tr[data-status=deferred]{color:var(--dim)}
.pass{color:var(--ok)}.fail{color:var(--bad)}.warn{color:var(--warn)}.verdict{font-weight:600}
.hosts{display:flex;flex-wrap:wrap;gap:12px}.host{border:1px solid var(--line);border-radius:6px;padding:8px 10px;min-width:380px}
.bar-row{display:flex;align-items:center;gap:8px;margin:3px 0}.bar-label{width:90px}.bar{position:relative;display:inline-block;width:180px;height:12px;background:#e9ecef;border-radius:3px;overflow:hidden}
.bar-fill{position:absolute;left:0;top:0;bottom:0;background:#4c6ef5}.over .bar-fill{background:var(--bad)}.bar-mark{position:absolute;top:0;bottom:0;width:2px;background:#212529}
.bar-text{font-size:12px}.over .bar-text{color:var(--bad);font-weight:600}
tr.changed{background:#fff9db}tr.added{background:#ebfbee}tr.removed{background:#fff5f5;text-decoration:line-through}td.changed-cell{outline:2px solid #fab005}
.was{color:#a61e4d;font-size:11px}
.decisions details{margin:2px 0}.decisions summary{cursor:pointer}
.toggles label{margin-right:10px;white-space:nowrap}.swatch{display:inline-block;width:10px;height:10px;margin-right:3px;border-radius:2px}
.topo{border:1px solid var(--line);border-radius:6px;background:#fcfcfd}
svg.topology text{font:11px system-ui,sans-serif;fill:#212529}svg.topology text.dim{fill:#6c757d}svg.topology text.small{font-size:10px}svg.topology text.strong{font-weight:700}svg.topology text.org{font-size:14px}
svg.topology .site-head rect{fill:#e7f5ff;stroke:#74c0fc}svg.topology .group rect{fill:#fff;stroke:#ced4da}svg.topology .group.deferred rect{fill:#f8f9fa;stroke-dasharray:4 3}
svg.topology .node .box{fill:#f1f3f5;stroke:#adb5bd}svg.topology .node[data-kind=deferred] .box{fill:#fff}
svg.topology .edge{fill:none;stroke-width:1.4;opacity:.8}svg.topology .edge[data-kind=scrape]{stroke-width:.8;opacity:.45}svg.topology .edge.mesh{stroke-width:2.2}
svg.topology .edge:hover{stroke-width:3;opacity:1}
.hidden-row{display:none}.filter{margin-top:20px}
`;

export const REPORT_JS = `
(function(){
  var svg=document.querySelector("svg.topology");
  document.querySelectorAll("[data-flow-toggle]").forEach(function(box){
    box.addEventListener("change",function(){
      var k=box.getAttribute("data-flow-toggle");
      var sel=k==="mesh"?".edge.mesh":'.edge.flow[data-kind="'+k+'"]';
      svg.querySelectorAll(sel).forEach(function(e){e.style.display=box.checked?"":"none";});
    });
  });
  var f=document.getElementById("filter");
  f.addEventListener("input",function(){
    var q=f.value.trim().toLowerCase();
    document.querySelectorAll("table.matrix tr.row").forEach(function(tr){
      tr.classList.toggle("hidden-row",q!==""&&tr.textContent.toLowerCase().indexOf(q)<0);
    });
  });
})();
`;
