/** The page's stylesheet: plain CSS, system fonts, nothing fetched from elsewhere. */
export const pageStyle = `
body{font:14px/1.4 system-ui,sans-serif;margin:0;color:#1d2430;background:#f6f7f9}
header{display:flex;justify-content:space-between;align-items:center;padding:8px 16px;background:#1d2430;color:#fff}
header a.brand{color:#fff;font-weight:600;text-decoration:none}
main{padding:16px;max-width:1100px;margin:auto}
table{border-collapse:collapse;width:100%;background:#fff;margin:8px 0 20px}
th,td{text-align:left;padding:5px 8px;border-bottom:1px solid #e3e6ea;vertical-align:top}
th{background:#eef0f3;font-weight:600}
.muted{color:#6b7380}.error{color:#b00020}
.status{display:inline-block;padding:1px 6px;border-radius:8px;background:#e3e6ea}
.status.Completed{background:#cdeccf}.status.Failed,.status.Canceled,.status.Unknown{background:#f6d0d0}
.status.Running,.status.Claimed,.status.Uploading,.status.Validating{background:#d5e5fb}
code{font-size:12px;word-break:break-all}.ok{color:#137b2a}.bad{color:#b00020}
form.filters{display:flex;gap:8px;align-items:center;flex-wrap:wrap}
`;
