/* global document, window */
// Blink admin portal, Admin-only pages: Activate (#/activate) and Reports (#/reports). Registers its views with
// portal.js (window.blinkPortal); the server refuses their API to technicians whatever this script shows.
'use strict';

(() => {
  const portal = window.blinkPortal;
  if (!portal) return;
  const { el, api, say, views } = portal;
  const SVG = 'http://www.w3.org/2000/svg';
  /** Users per activation request, as the CLI sends them (ACTIVATION_CHUNK_SIZE). */
  const CHUNK = 25;

  const isAdmin = () => Boolean(portal.session && portal.session.roles.includes('admin'));
  const refuse = (view) => {
    view.replaceChildren(
      el('h1', { text: 'Admins only' }),
      el('p', { text: 'This page is for Blink admins. Ask your IT administrators if you need it.' }),
    );
  };

  /** Why a user is skipped, in words; the code (as the CLI prints it) stays visible too. */
  const reasonWords = {
    'no-mail': 'no email address in AD',
    disabled: 'account disabled in AD',
    protected: 'protected account (administrators): Blink never resets it',
    expired: 'account expired in AD',
    computer: 'a computer account',
    'already-enrolled': 'already set up (tick "send a new link" to send one anyway)',
    'not-found': 'not found in AD',
    ambiguous: 'more than one account matches',
    'email-failed': 'the email could not be sent: activate again later',
  };

  /** The CLI's summary lines (scripts/admin.ts, shared/domain/activation-summary.ts), word for word. */
  const skippedLines = (skipped) => {
    const byReason = new Map();
    for (const entry of skipped) byReason.set(entry.reason, [...(byReason.get(entry.reason) || []), entry.name]);
    return [...byReason.entries()].map(([reason, names]) => `  ${reason} (${names.length}): ${names.join(', ')}`);
  };
  const summaryText = (activated, skipped) => {
    const lines = [
      `Activated ${activated.length}${activated.length ? ': ' + activated.map((user) => user.samAccountName).join(', ') : ''}`,
      skipped.length > 0 ? [`Skipped ${skipped.length}:`, ...skippedLines(skipped)].join('\n') : 'Skipped 0',
    ];
    const unsent = skipped.filter((entry) => entry.reason === 'email-failed');
    if (unsent.length > 0) {
      lines.push(
        `The activation email could not be sent to ${unsent.length} user(s): ${unsent.map((entry) => entry.name).join(', ')}. ` +
          'Their links reached nobody; run the same command again later to send them new ones.',
      );
    }
    return lines.join('\n');
  };

  const targetWords = { user: 'User', group: 'Group', ou: 'OU' };

  /** A search box that lists matching users, groups or OUs from AD; `onPick` gets the chosen option. */
  const targetPicker = (kinds, onPick, idPrefix) => {
    let kind = kinds[0];
    let timer;
    const results = el('ul', { class: 'picks', id: `${idPrefix}-results`, 'aria-label': 'Matches' });
    const input = el('input', {
      type: 'search',
      id: `${idPrefix}-q`,
      autocomplete: 'off',
      placeholder: 'Start typing a name',
    });
    const search = async () => {
      try {
        const answer = await api(
          `api/activation-targets?kind=${encodeURIComponent(kind)}&q=${encodeURIComponent(input.value.trim())}`,
        );
        results.replaceChildren(
          ...(answer.options.length
            ? answer.options.map((option) =>
                el(
                  'li',
                  {},
                  el(
                    'button',
                    {
                      type: 'button',
                      class: 'pick',
                      onclick: () => {
                        results.replaceChildren();
                        onPick(option);
                      },
                    },
                    el('strong', { text: option.label }),
                    option.detail ? el('span', { class: 'muted', text: option.detail }) : undefined,
                  ),
                ),
              )
            : [el('li', { class: 'muted', text: 'Nothing matches.' })]),
        );
      } catch (error) {
        if (error.message !== 'signed out') say(error.message, true);
      }
    };
    input.addEventListener('input', () => {
      window.clearTimeout(timer);
      timer = window.setTimeout(search, 250);
    });
    const kindSelect =
      kinds.length > 1
        ? el(
            'label',
            {},
            'Activate a',
            el(
              'select',
              {
                id: `${idPrefix}-kind`,
                onchange: (event) => {
                  kind = event.target.value;
                  results.replaceChildren();
                  if (kind === 'ou' || input.value.trim()) search();
                },
              },
              ...kinds.map((value) => el('option', { value, text: targetWords[value] })),
            ),
          )
        : undefined;
    return el(
      'div',
      { class: 'picker' },
      el('div', { class: 'picker-row' }, kindSelect, el('label', {}, 'Find in AD', input)),
      results,
    );
  };

  views.activate = async (view) => {
    if (!isAdmin()) return refuse(view);
    let target;
    let candidates = [];
    let resolvedSkipped = [];
    const chosen = el('p', { id: 'chosen', class: 'muted', text: 'Nothing picked yet.' });
    const reactivate = el('input', { type: 'checkbox', id: 'reactivate' });
    const dryRun = el('button', { type: 'button', id: 'dry-run', disabled: true, text: 'Dry run' });
    const run = el('button', { type: 'button', id: 'run', class: 'danger', disabled: true, text: 'Send activation' });
    const progress = el('progress', { id: 'progress', max: '1', value: '0', hidden: true });
    const progressText = el('p', { id: 'progress-text', class: 'muted', role: 'status', 'aria-live': 'polite' });
    const outcome = el('div', { id: 'outcome' });

    const reset = () => {
      candidates = [];
      resolvedSkipped = [];
      run.disabled = true;
      run.textContent = 'Send activation';
      outcome.replaceChildren();
      progress.hidden = true;
      progressText.textContent = '';
    };
    const picker = targetPicker(
      ['group', 'user', 'ou'],
      (option) => {
        target = option.kind === 'user' ? { user: option.value } : { [option.kind]: option.value };
        chosen.replaceChildren(
          el('span', { class: 'tag ok', text: targetWords[option.kind] }),
          ' ',
          el('strong', { text: option.label }),
          option.detail ? el('span', { class: 'muted', text: ` ${option.detail}` }) : '',
        );
        dryRun.disabled = false;
        reset();
      },
      'target',
    );
    reactivate.addEventListener('change', reset);

    const skippedList = (skipped) =>
      el(
        'ul',
        { class: 'skipped' },
        ...skipped.map((entry) =>
          el(
            'li',
            {},
            el('strong', { text: entry.name }),
            ` — ${reasonWords[entry.reason] || entry.reason} `,
            el('span', { class: 'tag none', text: entry.reason }),
          ),
        ),
      );

    dryRun.addEventListener('click', async () => {
      reset();
      dryRun.disabled = true;
      progress.hidden = false;
      let cursor;
      let judged = 0;
      try {
        do {
          const page = await api('api/activations/resolve', {
            method: 'POST',
            body: { target, ...(reactivate.checked ? { reactivate: true } : {}), ...(cursor ? { cursor } : {}) },
          });
          candidates.push(...page.candidates);
          resolvedSkipped.push(...page.skipped);
          judged += page.candidates.length + page.skipped.length;
          progress.max = String(Math.max(page.total, 1));
          progress.value = String(Math.min(judged, page.total));
          progressText.textContent = `Checked ${Math.min(judged, page.total)} of ${page.total} in AD`;
          cursor = page.nextCursor;
        } while (cursor);
      } catch (error) {
        if (error.message !== 'signed out') say(error.message, true);
        dryRun.disabled = false;
        return;
      }
      dryRun.disabled = false;
      progressText.textContent = `Dry run: nothing sent, nothing written. ${candidates.length} would get an email, ${resolvedSkipped.length} skipped.`;
      outcome.replaceChildren(
        el('h2', { text: `Would email ${candidates.length}` }),
        candidates.length
          ? el(
              'table',
              { id: 'would-email' },
              el(
                'thead',
                {},
                el('tr', {}, el('th', { text: 'Name' }), el('th', { text: 'Account' }), el('th', { text: 'Email' })),
              ),
              el(
                'tbody',
                {},
                ...candidates.map((user) =>
                  el(
                    'tr',
                    {},
                    el('td', { 'data-label': 'Name', text: user.displayName }),
                    el('td', { 'data-label': 'Account', text: user.samAccountName }),
                    el('td', { 'data-label': 'Email', text: user.mail }),
                  ),
                ),
              ),
            )
          : el('p', { class: 'muted', text: 'Nobody: see why below.' }),
        el('h2', { text: `Would skip ${resolvedSkipped.length}` }),
        resolvedSkipped.length ? skippedList(resolvedSkipped) : el('p', { class: 'muted', text: 'Nobody.' }),
      );
      run.disabled = candidates.length === 0;
      run.textContent = `Send activation to ${candidates.length}`;
    });

    run.addEventListener('click', async () => {
      run.disabled = true;
      dryRun.disabled = true;
      const total = candidates.length;
      const activated = [];
      const skipped = [...resolvedSkipped];
      progress.hidden = false;
      progress.max = String(total);
      progress.value = '0';
      try {
        for (let start = 0; start < total; start += CHUNK) {
          const chunk = candidates.slice(start, start + CHUNK);
          const result = await api('api/activations', {
            method: 'POST',
            body: {
              userGuids: chunk.map((user) => user.userGuid),
              ...(reactivate.checked ? { reactivate: true } : {}),
            },
          });
          activated.push(...result.activated);
          skipped.push(...result.skipped);
          const done = Math.min(start + chunk.length, total);
          progress.value = String(done);
          progressText.textContent = `Progress: ${done}/${total} processed (${activated.length} activated)`;
        }
      } catch (error) {
        if (error.message !== 'signed out')
          say(`${error.message} ${activated.length} were activated before this; a dry run shows who is left.`, true);
        dryRun.disabled = false;
        return;
      }
      dryRun.disabled = false;
      run.textContent = `Sent to ${activated.length}`;
      outcome.replaceChildren(
        el('h2', { text: 'Done' }),
        el('pre', { id: 'summary', class: 'summary', text: summaryText(activated, skipped) }),
        skipped.length ? skippedList(skipped) : undefined,
      );
      candidates = [];
    });

    view.replaceChildren(
      el('h1', { text: 'Activate' }),
      el(
        'section',
        { class: 'card' },
        el('p', {
          class: 'muted',
          text: 'Pick a user, a group (members of nested groups included) or an OU. A dry run shows who would get a setup email and why the others are skipped; nothing is sent until you press Send.',
        }),
        picker,
        chosen,
        el('label', { class: 'check' }, reactivate, ' Also send a new link to users who already set up Blink'),
        el('div', { class: 'actions' }, dryRun, run),
        progress,
        progressText,
      ),
      outcome,
    );
  };

  /* ---------- Reports ---------- */

  const svg = (tag, attributes = {}, ...children) => {
    const node = document.createElementNS(SVG, tag);
    for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, String(value));
    for (const child of children.flat()) if (child) node.append(child);
    return node;
  };
  const shortDay = (day) => day.slice(5);

  /** Series colours by `tone` (the same quantity keeps its colour on every chart), else by position. */
  const toneOf = (series, index) => `s${series[index].tone ?? index}`;

  /**
   * Chart geometry at the width the chart gets on screen, so the axis text stays at its real size on a phone and on a
   * wide screen alike (the SVG is drawn once per view).
   */
  const geometry = (rows) => {
    const width = Math.round(Math.max(300, Math.min(chartWidth(), 1100)));
    const height = width < 500 ? 160 : 200;
    const left = 34;
    const right = 18;
    const bottom = 22;
    const top = 8;
    return {
      width,
      height,
      left,
      top,
      plotHeight: height - bottom - top,
      slot: (width - left - right) / Math.max(rows.length, 1),
    };
  };
  let chartWidth = () => 640;
  // The charts are drawn for one width: a window that changes a lot (a phone turned, a window resized) redraws them.
  let drawnWidth = 0;
  let redraw;
  let resizeTimer;
  window.addEventListener('resize', () => {
    window.clearTimeout(resizeTimer);
    resizeTimer = window.setTimeout(() => {
      if (redraw && window.location.hash.startsWith('#/reports') && Math.abs(chartWidth() - drawnWidth) > 120)
        redraw().catch((error) => say(error.message, true));
    }, 200);
  });

  /**
   * A stacked bar chart, one bar per day, as inline SVG (colours from the style sheet by class: no inline styles, no
   * third-party library). `series`: [{ key, label, tone? }], `rows`: [{ day, [key]: number }].
   */
  const barChart = (title, series, rows) => {
    const size = geometry(rows);
    const { left, top, plotHeight, slot } = size;
    const totals = rows.map((row) => series.reduce((total, { key }) => total + (row[key] || 0), 0));
    const max = Math.max(1, ...totals);
    const barWidth = Math.max(2, slot * 0.7);
    const bars = [];
    rows.forEach((row, index) => {
      let y = top + plotHeight;
      series.forEach(({ key, label }, seriesIndex) => {
        const value = row[key] || 0;
        if (!value) return;
        const barHeight = (value / max) * plotHeight;
        y -= barHeight;
        bars.push(
          svg(
            'rect',
            {
              class: toneOf(series, seriesIndex),
              x: (left + index * slot + (slot - barWidth) / 2).toFixed(1),
              y: y.toFixed(1),
              width: barWidth.toFixed(1),
              height: barHeight.toFixed(1),
            },
            svg('title', {}, document.createTextNode(`${row.day} ${label}: ${value}`)),
          ),
        );
      });
    });
    return chartFrame(title, series, rows, max, size, bars);
  };

  /** A line chart (coverage over time): one line per series. */
  const lineChart = (title, series, rows) => {
    const size = geometry(rows);
    const { left, top, plotHeight, slot } = size;
    const max = Math.max(1, ...rows.flatMap((row) => series.map(({ key }) => row[key] || 0)));
    const lines = series.map(({ key }, seriesIndex) =>
      svg('polyline', {
        class: `line ${toneOf(series, seriesIndex)}`,
        points: rows
          .map(
            (row, index) =>
              `${(left + index * slot + slot / 2).toFixed(1)},${(top + plotHeight - ((row[key] || 0) / max) * plotHeight).toFixed(1)}`,
          )
          .join(' '),
      }),
    );
    return chartFrame(title, series, rows, max, size, lines);
  };

  const legendOf = (series, counts) =>
    el(
      'ul',
      { class: 'legend' },
      ...series.map(({ key, label }, index) =>
        el(
          'li',
          {},
          el('span', { class: `swatch ${toneOf(series, index)}`, 'aria-hidden': 'true' }),
          counts ? `${label}: ${counts[key] || 0}` : label,
        ),
      ),
    );

  const chartFrame = (title, series, rows, max, size, marks) => {
    const { width, height, left, top, plotHeight, slot } = size;
    const labelEvery = Math.max(1, Math.ceil(rows.length / (width < 500 ? 4 : 7)));
    const last = rows.length - 1;
    const xLabels = rows
      .map((row, index) =>
        (index % labelEvery === 0 && last - index >= labelEvery * 0.75) || index === last
          ? svg(
              'text',
              {
                class: 'axis',
                x: (left + index * slot + slot / 2).toFixed(1),
                y: height - 6,
                'text-anchor': index === last ? 'end' : 'middle',
              },
              document.createTextNode(shortDay(row.day)),
            )
          : undefined,
      )
      .filter(Boolean);
    const chart = svg(
      'svg',
      { viewBox: `0 0 ${width} ${height}`, class: 'chart', role: 'img', 'aria-label': title },
      svg('title', {}, document.createTextNode(title)),
      svg('line', { class: 'grid', x1: left, x2: width, y1: top, y2: top }),
      svg('line', { class: 'grid', x1: left, x2: width, y1: top + plotHeight, y2: top + plotHeight }),
      svg(
        'text',
        { class: 'axis', x: left - 4, y: top + 10, 'text-anchor': 'end' },
        document.createTextNode(String(max)),
      ),
      svg(
        'text',
        { class: 'axis', x: left - 4, y: top + plotHeight, 'text-anchor': 'end' },
        document.createTextNode('0'),
      ),
      marks,
      xLabels,
    );
    return el('figure', { class: 'chart-box' }, chart, legendOf(series));
  };

  /** One horizontal bar split by share (a group's coverage now), its counts in the legend. */
  const shareBar = (title, series, counts) => {
    const width = 1000;
    const total = series.reduce((sum, { key }) => sum + (counts[key] || 0), 0);
    let x = 0;
    const parts = series.map(({ key, label }, index) => {
      const part = total ? ((counts[key] || 0) / total) * width : 0;
      const rect = svg(
        'rect',
        { class: toneOf(series, index), x: x.toFixed(1), y: 0, width: part.toFixed(1), height: 24 },
        svg('title', {}, document.createTextNode(`${label}: ${counts[key] || 0}`)),
      );
      x += part;
      return rect;
    });
    return el(
      'figure',
      { class: 'chart-box' },
      svg(
        'svg',
        {
          viewBox: `0 0 ${width} 24`,
          preserveAspectRatio: 'none',
          class: 'chart share',
          role: 'img',
          'aria-label': title,
        },
        svg('title', {}, document.createTextNode(title)),
        parts,
      ),
      legendOf(series, counts),
    );
  };

  /** The numbers behind a chart, for screen readers and for checking. */
  const dataTable = (id, series, rows) =>
    el(
      'details',
      {},
      el('summary', { text: 'Numbers' }),
      el(
        'table',
        { id },
        el(
          'thead',
          {},
          el('tr', {}, el('th', { text: 'Day' }), ...series.map(({ label }) => el('th', { text: label }))),
        ),
        el(
          'tbody',
          {},
          ...rows.map((row) =>
            el(
              'tr',
              {},
              el('td', { 'data-label': 'Day', text: row.day }),
              ...series.map(({ key, label }) => el('td', { 'data-label': label, text: String(row[key] || 0) })),
            ),
          ),
        ),
      ),
    );

  const sum = (rows, keys) =>
    rows.reduce((total, row) => total + keys.reduce((part, key) => part + (row[key] || 0), 0), 0);
  const csvLink = (report, days, label = 'Download CSV') =>
    el('a', {
      class: 'button secondary',
      href: `/admin/portal/api/reports/csv/${report}?days=${days}`,
      download: '',
      text: label,
    });

  views.reports = async (view, argument) => {
    if (!isAdmin()) return refuse(view);
    // The card's inner width: the view's padding (2 × 1rem) and the card's padding and border.
    chartWidth = () => view.clientWidth - 32 - 34;
    drawnWidth = chartWidth();
    redraw = () => views.reports(view, argument);
    const days = ['7', '30', '90'].includes(argument) ? Number(argument) : 30;
    const reports = await api(`api/reports?days=${days}`);
    const latest = reports.coverage[reports.coverage.length - 1] || {};
    const daily = reports.daily;
    const figure = (id, label, value) =>
      el(
        'div',
        { class: 'figure', id },
        el('span', { class: 'value', text: String(value) }),
        el('span', { class: 'muted', text: label }),
      );
    const channelSeries = [
      { key: 'reset.sms', label: 'Resets by SMS' },
      { key: 'reset.app', label: 'Resets in the app' },
      { key: 'reset.admin', label: 'Resets by the help desk' },
      { key: 'unlock.sms', label: 'Unlocks by SMS' },
      { key: 'unlock.app', label: 'Unlocks in the app' },
      { key: 'unlock.admin', label: 'Unlocks by the help desk' },
    ];
    const coverageSeries = [
      { key: 'activated', label: 'Activated' },
      { key: 'sms', label: 'Enrolled: SMS' },
      { key: 'app', label: 'Enrolled: app' },
      { key: 'sms-and-app', label: 'Enrolled: SMS and app' },
      { key: 'never-enrolled', label: 'Never enrolled' },
    ];
    const lockoutSeries = [
      { key: 'lockout-alerts', label: 'Alerts sent' },
      { key: 'lockout-alerts-unreached', label: 'Could not alert' },
    ];
    const failureSeries = [
      { key: 'failures', label: 'Failures' },
      { key: 'dlq', label: 'Dead-letter arrivals' },
    ];
    const smsSeries = [{ key: 'sms-sent', label: 'SMS sent' }];
    const smsSent = sum(daily, ['sms-sent']);
    const cost = daily.reduce((total, row) => total + row['sms-cost'], 0);
    const section = (title, id, chart, table, ...extra) =>
      el(
        'section',
        { class: 'card report', id },
        el('div', { class: 'report-head' }, el('h2', { text: title }), ...extra),
        chart,
        table,
      );

    /** A chart of daily counters, its numbers and the daily CSV. */
    const dailySection = (title, id, chartTitle, series) =>
      section(
        title,
        id,
        barChart(chartTitle, series, daily),
        dataTable(`${id}-table`, series, daily),
        csvLink('daily', days),
      );
    const groupResult = el('div', { id: 'group-coverage' });
    const groupPicker = targetPicker(
      ['group'],
      async (option) => {
        groupResult.replaceChildren(el('p', { class: 'muted', text: `Reading ${option.label}…` }));
        try {
          const coverage = await api(`api/reports/group?group=${encodeURIComponent(option.value)}`);
          const counts = { ...coverage.counts, 'not-activated': coverage['not-activated'] };
          const groupSeries = [
            { key: 'sms', label: 'Enrolled: SMS', tone: 1 },
            { key: 'app', label: 'Enrolled: app', tone: 2 },
            { key: 'sms-and-app', label: 'Enrolled: SMS and app', tone: 3 },
            { key: 'never-enrolled', label: 'Never enrolled', tone: 4 },
            { key: 'not-activated', label: 'Not activated', tone: 5 },
          ];
          groupResult.replaceChildren(
            el('p', {
              text: `${option.label}: ${coverage.members} members, ${coverage.counts.activated} activated, ${coverage['not-activated']} not activated.`,
            }),
            shareBar(`Coverage of ${option.label}`, groupSeries, counts),
            el('a', {
              class: 'button secondary',
              href: `/admin/portal/api/reports/csv/group?group=${encodeURIComponent(option.value)}`,
              download: '',
              text: 'Download CSV',
            }),
          );
        } catch (error) {
          if (error.message !== 'signed out') say(error.message, true);
          groupResult.replaceChildren();
        }
      },
      'group',
    );

    view.replaceChildren(
      el('h1', { text: 'Reports' }),
      el(
        'nav',
        { class: 'actions', 'aria-label': 'Period' },
        ...[7, 30, 90].map((value) =>
          value === days
            ? el('span', { class: 'tag ok', text: `Last ${value} days` })
            : el('a', { href: `#/reports/${value}`, text: `Last ${value} days` }),
        ),
        el('span', { class: 'muted', text: `${reports.from} to ${reports.to} (UTC)` }),
      ),
      el(
        'section',
        { class: 'figures', 'aria-label': 'Totals' },
        figure('fig-activated', 'activated now', latest.activated || 0),
        figure('fig-enrolled', 'enrolled now', (latest.sms || 0) + (latest.app || 0) + (latest['sms-and-app'] || 0)),
        figure('fig-never', 'never enrolled', latest['never-enrolled'] || 0),
        figure('fig-resets', 'resets', sum(daily, ['reset.sms', 'reset.app', 'reset.admin'])),
        figure('fig-unlocks', 'unlocks', sum(daily, ['unlock.sms', 'unlock.app', 'unlock.admin'])),
        figure('fig-alerts', 'lockout alerts', sum(daily, ['lockout-alerts'])),
        figure('fig-failures', 'failures', sum(daily, ['failures'])),
        figure('fig-dlq', 'dead-letter arrivals', sum(daily, ['dlq'])),
        figure('fig-sms', 'SMS sent', smsSent),
        reports.smsPricePerMessage > 0
          ? figure('fig-cost', `estimated SMS cost (${reports.smsPricePerMessage} a message)`, cost.toFixed(2))
          : undefined,
      ),
      section(
        'Enrollment coverage',
        'coverage',
        lineChart('Enrollment coverage over time', coverageSeries, reports.coverage),
        dataTable('coverage-table', coverageSeries, reports.coverage),
        csvLink('coverage', days),
      ),
      section('Coverage by group', 'by-group', groupPicker, groupResult),
      dailySection('Resets and unlocks per day', 'resets', 'Resets and unlocks per day by channel', channelSeries),
      dailySection('Lockout alerts', 'alerts', 'Lockout alerts per day', lockoutSeries),
      dailySection(
        'Failures and dead-letter arrivals',
        'failures',
        'Failures and dead-letter arrivals per day',
        failureSeries,
      ),
      dailySection('SMS sent', 'sms', 'SMS sent per day', smsSeries),
    );
  };
})();
