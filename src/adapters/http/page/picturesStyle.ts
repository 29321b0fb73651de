const statusColours: Record<string, string> = {
  Created: '#9aa5b1',
  Pending: '#e8a317',
  Claimed: '#7fa8e6',
  Validating: '#5a8ee0',
  Running: '#2f6fdb',
  Uploading: '#7b5fd6',
  Completed: '#2e9d4f',
  Failed: '#d64545',
  Canceled: '#8d6e63',
  Unknown: '#e07b39',
};

const flowColours = { created: '#2f6fdb', completed: '#2e9d4f', failed: '#d64545' };

/** The pictures' stylesheet (appended to `page.css`): one colour per status and per flow, shared by every picture. */
export const picturesStyle = `
.pictures{display:flex;flex-wrap:wrap;gap:16px;align-items:flex-start;margin-bottom:14px}
figure.picture{margin:0;background:#fff;padding:8px 12px;border:1px solid #e3e6ea;border-radius:6px}
figure.picture figcaption{font-size:12px;color:#6b7380;margin-top:4px}
#machine{display:block;max-width:100%;height:auto;background:#fff;border:1px solid #e3e6ea;border-radius:6px}
#machine .edge{fill:none;stroke:#cfd5dc;stroke-width:1.2}
#machine .edge.taken{stroke:#1d2430;stroke-width:2.6}
#machine .arrow.edge{fill:#cfd5dc}#machine .arrow.taken{fill:#1d2430}
#machine .initial{fill:#1d2430}
#machine .state rect{fill:#fff;stroke:#9aa5b1;stroke-width:1.2}
#machine .state text{font-size:12px;fill:#6b7380}
#machine .state.visited text{fill:#fff;font-weight:600}
#machine .state.current rect{stroke:#1d2430;stroke-width:3}
svg.time-bar{display:block;width:100%;height:26px;border-radius:4px;background:#eef0f3}
.legend{display:flex;flex-wrap:wrap;gap:12px;font-size:12px}
.key::before{content:'';display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:4px;vertical-align:-1px;background:currentColor}
#status-bars text{font-size:12px;fill:#1d2430}#status-bars text.count{fill:#6b7380}
#throughput .axis{stroke:#cfd5dc}#throughput .flow{fill:none;stroke-width:2}
${Object.entries(statusColours)
  .map(
    ([name, colour]) =>
      `#machine .state.visited.status-${name} rect,.segment.status-${name},#status-bars .status-${name} rect{fill:${colour}}` +
      `.key.status-${name}::before{background:${colour}}`,
  )
  .join('\n')}
${Object.entries(flowColours)
  .map(
    ([flow, colour]) =>
      `#throughput .flow.${flow}{stroke:${colour}}.key.flow-${flow}::before{background:${colour}}`,
  )
  .join('\n')}
`;
