// The stylesheet and the script of the HTML report, inlined in every page. The page's Content-Security-Policy allows
// exactly these two by their SHA-256 (page.ts), so the report also works under a strict CSP: no inline handlers, no
// style attributes, nothing fetched.

export const STYLE = `
:root{--fg:#1b1f24;--muted:#57606a;--line:#d0d7de;--bg:#fff;--soft:#f6f8fa;--pass:#1a7f37;--fail:#cf222e;--warn:#9a6700;
--manual:#8250df;--na:#6e7781;--error:#a40e26;--waived:#0969da;font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
*{box-sizing:border-box}
body{margin:0;color:var(--fg);background:var(--bg);line-height:1.45;font-size:15px}
main{max-width:1200px;margin:0 auto;padding:16px}
h1{font-size:1.5rem;margin:.2em 0}h2{font-size:1.2rem;margin:1.2em 0 .4em;border-bottom:1px solid var(--line);padding-bottom:.2em}
h3{font-size:1rem;margin:0}
.meta{color:var(--muted);margin:0 0 .8em;overflow-wrap:anywhere}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(150px,1fr));gap:10px}
.card{border:1px solid var(--line);border-radius:8px;padding:10px;background:var(--soft)}
.card b{display:block;font-size:1.6rem}
.verdict-pass b{color:var(--pass)}.verdict-fail b{color:var(--fail)}.verdict-error b{color:var(--error)}
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:4px 6px;border-bottom:1px solid var(--line);vertical-align:top}
.counts{display:flex;flex-wrap:wrap;gap:6px;margin:.6em 0}
.badge{display:inline-block;border-radius:10px;padding:0 8px;font-size:.8rem;font-weight:600;color:#fff;background:var(--na);white-space:nowrap;
print-color-adjust:exact;-webkit-print-color-adjust:exact}
.s-pass{background:var(--pass)}.s-fail{background:var(--fail)}.s-warn{background:var(--warn)}.s-manual{background:var(--manual)}
.s-error{background:var(--error)}.s-waived{background:var(--waived)}
.sev{background:var(--soft);color:var(--fg);border:1px solid var(--line)}
.filters{display:flex;flex-wrap:wrap;gap:10px;border:1px solid var(--line);border-radius:8px;padding:8px;margin:.8em 0;background:var(--soft)}
.filters fieldset{border:0;margin:0;padding:0;min-width:0}.filters legend{font-weight:600;padding:0}
.filters label{display:inline-block;margin:2px 8px 2px 0;white-space:nowrap}
.shown{color:var(--muted);align-self:center}
.group{margin-bottom:1em}
.result{border:1px solid var(--line);border-left:5px solid var(--na);border-radius:6px;margin:8px 0;padding:8px 10px;break-inside:avoid}
.result.st-pass{border-left-color:var(--pass)}.result.st-fail{border-left-color:var(--fail)}.result.st-warn{border-left-color:var(--warn)}
.result.st-manual{border-left-color:var(--manual)}.result.st-error{border-left-color:var(--error)}.result.is-waived{border-left-color:var(--waived)}
.result header{display:flex;flex-wrap:wrap;gap:6px;align-items:baseline}
.result .id{font-family:ui-monospace,monospace;font-size:.85rem;color:var(--muted);overflow-wrap:anywhere}
.result p{margin:.4em 0;overflow-wrap:anywhere}
.evidence{margin:.3em 0;padding-left:1.2em;font-size:.9rem}.evidence li{overflow-wrap:anywhere}
code,.loc{font-family:ui-monospace,monospace;font-size:.85em}
.fix{background:var(--soft);border-radius:4px;padding:4px 8px}
.waiver{border:1px dashed var(--waived);border-radius:4px;padding:4px 8px;color:var(--fg)}
.refs{font-size:.85rem;overflow-wrap:anywhere}
.chart{font-size:.85rem}.bar{display:grid;grid-template-columns:minmax(0,2fr) minmax(60px,3fr) 3.5em;gap:2px 8px;align-items:center;margin:2px 0}
.chart .label{overflow-wrap:anywhere;font-family:ui-monospace,monospace;min-width:0}
.chart svg{width:100%;height:12px;display:block}.chart rect{fill:var(--fail)}
.chart .value{text-align:right;font-variant-numeric:tabular-nums}
.matrix-wrap{overflow-x:auto}.matrix td,.matrix th{text-align:center;white-space:nowrap}.matrix th:first-child,.matrix td:first-child{text-align:left}
details summary{cursor:pointer;color:var(--muted)}
@media (max-width:600px){body{font-size:14px}main{padding:8px}.card b{font-size:1.25rem}
.bar{grid-template-columns:minmax(0,1fr) 3em}.bar svg{grid-column:1/3;grid-row:2}}
@media print{.filters{display:none}.result[hidden],.group[hidden]{display:block!important}main{max-width:none;padding:0}
body{font-size:11pt}a{color:inherit}details>*{display:block}.result{page-break-inside:avoid}}
`;

export const SCRIPT = `
(function(){
  function wire(section){
    var form=section.querySelector('.filters');if(!form)return;
    form.hidden=false;
    var results=[].slice.call(section.querySelectorAll('.result'));
    var groups=[].slice.call(section.querySelectorAll('.group'));
    var shown=form.querySelector('.shown');
    function checked(name){var s={};[].forEach.call(form.querySelectorAll('input[name="'+name+'"]'),function(i){s[i.value]=i.checked});return s}
    function apply(){
      var st=checked('status'),sv=checked('severity'),fa=checked('family'),n=0;
      results.forEach(function(r){
        var status=r.getAttribute('data-waived')==='true'?'waived':r.getAttribute('data-status');
        var ok=st[status]!==false&&sv[r.getAttribute('data-severity')]!==false&&fa[r.getAttribute('data-family')]!==false;
        r.hidden=!ok;if(ok)n++;
      });
      groups.forEach(function(g){g.hidden=!g.querySelector('.result:not([hidden])')});
      if(shown)shown.textContent=n+' of '+results.length+' controls shown';
    }
    form.addEventListener('change',apply);apply();
  }
  [].forEach.call(document.querySelectorAll('.host-report'),wire);
})();
`;
