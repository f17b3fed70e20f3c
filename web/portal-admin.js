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

  /**
   * A stacked bar chart, one bar per day, as inline SVG (colours from the style sheet by class: no inline styles, no
   * third-party library). `series`: [{ key, label }], `rows`: [{ day, [key]: number }].
   */
  const barChart = (title, series, rows) => {
    const width = 640;
    const height = 200;
    const left = 36;
    const bottom = 22;
    const top = 8;
    const plotHeight = height - bottom - top;
    const totals = rows.map((row) => series.reduce((sum, { key }) => sum + (row[key] || 0), 0));
    const max = Math.max(1, ...totals);
    const slot = (width - left) / Math.max(rows.length, 1);
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
              class: `s${seriesIndex}`,
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
    return chartFrame(title, series, rows, max, { width, height, left, bottom, top, plotHeight, slot }, bars);
  };

  /** A line chart (coverage over time): one line per series. */
  const lineChart = (title, series, rows) => {
    const width = 640;
    const height = 200;
    const left = 36;
    const bottom = 22;
    const top = 8;
    const plotHeight = height - bottom - top;
    const max = Math.max(1, ...rows.flatMap((row) => series.map(({ key }) => row[key] || 0)));
    const slot = (width - left) / Math.max(rows.length, 1);
    const lines = series.map(({ key }, seriesIndex) =>
      svg('polyline', {
        class: `line s${seriesIndex}`,
        points: rows
          .map(
            (row, index) =>
              `${(left + index * slot + slot / 2).toFixed(1)},${(top + plotHeight - ((row[key] || 0) / max) * plotHeight).toFixed(1)}`,
          )
          .join(' '),
      }),
    );
    return chartFrame(title, series, rows, max, { width, height, left, bottom, top, plotHeight, slot }, lines);
  };

  const chartFrame = (title, series, rows, max, size, marks) => {
    const { width, height, left, top, plotHeight, slot } = size;
    const labelEvery = Math.max(1, Math.ceil(rows.length / 6));
    const xLabels = rows
      .map((row, index) =>
        index % labelEvery === 0 || index === rows.length - 1
          ? svg(
              'text',
              { class: 'axis', x: (left + index * slot + slot / 2).toFixed(1), y: height - 6, 'text-anchor': 'middle' },
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
    const legend = el(
      'ul',
      { class: 'legend' },
      ...series.map(({ label }, index) =>
        el('li', {}, el('span', { class: `swatch s${index}`, 'aria-hidden': 'true' }), label),
      ),
    );
    return el('figure', { class: 'chart-box' }, chart, legend);
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

    const groupResult = el('div', { id: 'group-coverage' });
    const groupPicker = targetPicker(
      ['group'],
      async (option) => {
        groupResult.replaceChildren(el('p', { class: 'muted', text: `Reading ${option.label}…` }));
        try {
          const coverage = await api(`api/reports/group?group=${encodeURIComponent(option.value)}`);
          const row = { day: option.label, ...coverage.counts, 'not-activated': coverage['not-activated'] };
          const groupSeries = [
            { key: 'sms', label: 'Enrolled: SMS' },
            { key: 'app', label: 'Enrolled: app' },
            { key: 'sms-and-app', label: 'Enrolled: SMS and app' },
            { key: 'never-enrolled', label: 'Never enrolled' },
            { key: 'not-activated', label: 'Not activated' },
          ];
          groupResult.replaceChildren(
            el('p', {
              text: `${option.label}: ${coverage.members} members, ${coverage.counts.activated} activated, ${coverage['not-activated']} not activated.`,
            }),
            barChart(`Coverage of ${option.label}`, groupSeries, [row]),
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
      section(
        'Resets and unlocks per day',
        'resets',
        barChart('Resets and unlocks per day by channel', channelSeries, daily),
        dataTable('resets-table', channelSeries, daily),
        csvLink('daily', days),
      ),
      section(
        'Lockout alerts',
        'alerts',
        barChart('Lockout alerts per day', lockoutSeries, daily),
        dataTable('alerts-table', lockoutSeries, daily),
        csvLink('daily', days),
      ),
      section(
        'Failures and dead-letter arrivals',
        'failures',
        barChart('Failures and dead-letter arrivals per day', failureSeries, daily),
        dataTable('failures-table', failureSeries, daily),
        csvLink('daily', days),
      ),
      section(
        'SMS sent',
        'sms',
        barChart('SMS sent per day', smsSeries, daily),
        dataTable('sms-table', smsSeries, daily),
        csvLink('daily', days),
      ),
    );
  };
})();
