from jinja2.runtime import LoopContext, Macro, Markup, Namespace, TemplateNotFound, TemplateReference, TemplateRuntimeError, Undefined, escape, identity, internalcode, markup_join, missing, str_join
name = 'report.html'

def root(context, missing=missing, environment=environment):
    resolve = context.resolve_or_missing
    undefined = environment.undefined
    concat = environment.concat
    cond_expr_undefined = Undefined
    if 0: yield None
    l_0_assets = resolve('assets')
    l_0_report = resolve('report')
    l_0_cluster_name = resolve('cluster_name')
    l_0_gauge = resolve('gauge')
    l_0_severities = resolve('severities')
    l_0_failing_total = resolve('failing_total')
    l_0_status_counts = resolve('status_counts')
    l_0_exempt = resolve('exempt')
    l_0_not_assessable = resolve('not_assessable')
    l_0_scope = resolve('scope')
    l_0_top_risks = resolve('top_risks')
    l_0_section_views = resolve('section_views')
    l_0_rows = resolve('rows')
    l_0_local = resolve('local')
    l_0_counts = resolve('counts')
    l_0_expired = resolve('expired')
    l_0_unjudged_by_check = resolve('unjudged_by_check')
    l_0_sources = resolve('sources')
    l_0_permissions = resolve('permissions')
    l_0_weights = resolve('weights')
    l_0_grades = resolve('grades')
    l_0_cfg = l_0_cov = l_0_since = l_0_review = l_0_partial = missing
    try:
        t_1 = environment.filters['anchor']
    except KeyError:
        @internalcode
        def t_1(*unused):
            raise TemplateRuntimeError("No filter named 'anchor' found.")
    try:
        t_2 = environment.filters['code']
    except KeyError:
        @internalcode
        def t_2(*unused):
            raise TemplateRuntimeError("No filter named 'code' found.")
    try:
        t_3 = environment.filters['format']
    except KeyError:
        @internalcode
        def t_3(*unused):
            raise TemplateRuntimeError("No filter named 'format' found.")
    try:
        t_4 = environment.filters['join']
    except KeyError:
        @internalcode
        def t_4(*unused):
            raise TemplateRuntimeError("No filter named 'join' found.")
    try:
        t_5 = environment.filters['length']
    except KeyError:
        @internalcode
        def t_5(*unused):
            raise TemplateRuntimeError("No filter named 'length' found.")
    try:
        t_6 = environment.filters['safe']
    except KeyError:
        @internalcode
        def t_6(*unused):
            raise TemplateRuntimeError("No filter named 'safe' found.")
    try:
        t_7 = environment.tests['none']
    except KeyError:
        @internalcode
        def t_7(*unused):
            raise TemplateRuntimeError("No test named 'none' found.")
    pass
    yield '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<meta http-equiv="Content-Security-Policy" content="'
    yield escape(environment.finalize(environment.getattr((undefined(name='assets') if l_0_assets is missing else l_0_assets), 'csp')))
    yield '">\n<meta name="viewport" content="width=device-width, initial-scale=1">\n<meta name="referrer" content="no-referrer">\n<meta name="generator" content="'
    yield escape(environment.finalize(environment.getattr((undefined(name='report') if l_0_report is missing else l_0_report), 'tool')))
    yield '">\n<title>k8saudit report: '
    yield escape(environment.finalize((undefined(name='cluster_name') if l_0_cluster_name is missing else l_0_cluster_name)))
    yield '</title>\n<style>'
    yield escape(environment.finalize(t_6(environment.getattr((undefined(name='assets') if l_0_assets is missing else l_0_assets), 'css'))))
    yield '</style>\n</head>\n<body>\n'
    l_0_cfg = environment.getattr((undefined(name='report') if l_0_report is missing else l_0_report), 'config')
    context.vars['cfg'] = l_0_cfg
    context.exported_vars.add('cfg')
    l_0_cov = environment.getattr((undefined(name='report') if l_0_report is missing else l_0_report), 'coverage')
    context.vars['cov'] = l_0_cov
    context.exported_vars.add('cov')
    yield '<header class="masthead"><div class="page">\n<div><div class="brand">k8saudit <span>Kubernetes posture report</span></div>\n<h1>'
    yield escape(environment.finalize((undefined(name='cluster_name') if l_0_cluster_name is missing else l_0_cluster_name)))
    yield '</h1></div>\n<div class="meta">Scanned '
    yield escape(environment.finalize((environment.getattr(environment.getattr((undefined(name='report') if l_0_report is missing else l_0_report), 'cluster'), 'collectedAt') or environment.getattr((undefined(name='report') if l_0_report is missing else l_0_report), 'generatedAt'))))
    yield ' · '
    yield escape(environment.finalize(environment.getattr((undefined(name='report') if l_0_report is missing else l_0_report), 'tool')))
    yield ' · NSA/CISA Kubernetes Hardening Guidance v1.2</div>\n</div></header>\n<main class="page">\n<section class="hero" aria-label="Summary">\n<div class="card gauge">\n<p class="label">Overall score</p>\n<svg viewBox="0 0 128 128" role="img" aria-label="Score '
    yield escape(environment.finalize(environment.getattr((undefined(name='gauge') if l_0_gauge is missing else l_0_gauge), 'text')))
    yield ' out of 100, grade '
    yield escape(environment.finalize(environment.getattr((undefined(name='gauge') if l_0_gauge is missing else l_0_gauge), 'grade')))
    yield '">\n<circle cx="64" cy="64" r="'
    yield escape(environment.finalize(environment.getattr((undefined(name='gauge') if l_0_gauge is missing else l_0_gauge), 'radius')))
    yield '" fill="none" stroke="#e6eaef" stroke-width="12"/>\n<circle cx="64" cy="64" r="'
    yield escape(environment.finalize(environment.getattr((undefined(name='gauge') if l_0_gauge is missing else l_0_gauge), 'radius')))
    yield '" fill="none" stroke="'
    yield escape(environment.finalize(environment.getattr((undefined(name='gauge') if l_0_gauge is missing else l_0_gauge), 'colour')))
    yield '" stroke-width="12" stroke-linecap="'
    yield escape(environment.finalize(('round' if (environment.getattr((undefined(name='gauge') if l_0_gauge is missing else l_0_gauge), 'arc') > 0) else 'butt')))
    yield '" stroke-dasharray="'
    yield escape(environment.finalize(environment.getattr((undefined(name='gauge') if l_0_gauge is missing else l_0_gauge), 'arc')))
    yield ' '
    yield escape(environment.finalize(environment.getattr((undefined(name='gauge') if l_0_gauge is missing else l_0_gauge), 'circumference')))
    yield '" transform="rotate(-90 64 64)"/>\n<text x="64" y="62" text-anchor="middle" font-size="30" font-weight="700" fill="#1f2328">'
    yield escape(environment.finalize(environment.getattr((undefined(name='gauge') if l_0_gauge is missing else l_0_gauge), 'text')))
    yield '</text>\n<text x="64" y="86" text-anchor="middle" font-size="14" fill="'
    yield escape(environment.finalize(environment.getattr((undefined(name='gauge') if l_0_gauge is missing else l_0_gauge), 'colour')))
    yield '" font-weight="700">grade '
    yield escape(environment.finalize(environment.getattr((undefined(name='gauge') if l_0_gauge is missing else l_0_gauge), 'grade')))
    yield '</text>\n</svg>\n<div class="caption">severity-weighted pass rate, 0–100 (<a href="#methodology">how</a>)</div>\n</div>\n<div class="card">\n<p class="label">Failing findings by severity</p>\n<div class="counts">\n'
    for l_1_sev in (undefined(name='severities') if l_0_severities is missing else l_0_severities):
        _loop_vars = {}
        pass
        yield '<div class="count '
        yield escape(environment.finalize(environment.getattr(l_1_sev, 'value')))
        yield '"><b>'
        yield escape(environment.finalize(context.call(environment.getattr(environment.getattr((undefined(name='report') if l_0_report is missing else l_0_report), 'counts'), 'get'), environment.getattr(l_1_sev, 'value'), 0, _loop_vars=_loop_vars)))
        yield '</b><span>'
        yield escape(environment.finalize(environment.getattr(l_1_sev, 'value')))
        yield '</span></div>\n'
    l_1_sev = missing
    yield '</div>\n<p class="statline"><b>'
    yield escape(environment.finalize((undefined(name='failing_total') if l_0_failing_total is missing else l_0_failing_total)))
    yield '</b> failing findings in <b>'
    yield escape(environment.finalize(environment.getitem((undefined(name='status_counts') if l_0_status_counts is missing else l_0_status_counts), 'fail')))
    yield '</b> of '
    yield escape(environment.finalize(t_5(environment.getattr((undefined(name='report') if l_0_report is missing else l_0_report), 'checks'))))
    yield ' checks · <b>'
    yield escape(environment.finalize(t_5((undefined(name='exempt') if l_0_exempt is missing else l_0_exempt))))
    yield '</b> exempt (<a href="#exemptions">listed</a>) · <b>'
    yield escape(environment.finalize(environment.getattr(environment.getattr((undefined(name='report') if l_0_report is missing else l_0_report), 'cluster'), 'workloads')))
    yield '</b> workloads in <b>'
    yield escape(environment.finalize(environment.getattr(environment.getattr((undefined(name='report') if l_0_report is missing else l_0_report), 'cluster'), 'namespaces')))
    yield '</b> namespaces</p>\n<p class="statline">Checks: <span class="status pass">'
    yield escape(environment.finalize(environment.getitem((undefined(name='status_counts') if l_0_status_counts is missing else l_0_status_counts), 'pass')))
    yield ' pass</span> · <span class="status fail">'
    yield escape(environment.finalize(environment.getitem((undefined(name='status_counts') if l_0_status_counts is missing else l_0_status_counts), 'fail')))
    yield ' fail</span> · <span class="status not-assessable">'
    yield escape(environment.finalize(environment.getitem((undefined(name='status_counts') if l_0_status_counts is missing else l_0_status_counts), 'not-assessable')))
    yield ' not assessable</span></p>\n</div>\n<div class="card">\n<p class="label">Coverage</p>\n<div><span class="big">'
    yield escape(environment.finalize(t_3('%.0f', (environment.getattr((undefined(name='cov') if l_0_cov is missing else l_0_cov), 'ratio') * 100))))
    yield '%</span> of the catalogue assessed: '
    yield escape(environment.finalize(environment.getattr((undefined(name='cov') if l_0_cov is missing else l_0_cov), 'assessed')))
    yield ' of '
    yield escape(environment.finalize(environment.getattr((undefined(name='cov') if l_0_cov is missing else l_0_cov), 'checks')))
    yield ' checks</div>\n<svg class="coverage-bar" viewBox="0 0 100 6" preserveAspectRatio="none" role="img" aria-label="'
    yield escape(environment.finalize(environment.getattr((undefined(name='cov') if l_0_cov is missing else l_0_cov), 'assessed')))
    yield ' of '
    yield escape(environment.finalize(environment.getattr((undefined(name='cov') if l_0_cov is missing else l_0_cov), 'checks')))
    yield ' checks assessed"><rect width="100" height="6" rx="3" fill="#e6eaef"/><rect width="'
    yield escape(environment.finalize(t_3('%.2f', (environment.getattr((undefined(name='cov') if l_0_cov is missing else l_0_cov), 'ratio') * 100))))
    yield '" height="6" rx="3" fill="#0969da"/></svg>\n'
    if (undefined(name='not_assessable') if l_0_not_assessable is missing else l_0_not_assessable):
        pass
        yield '<div class="note">'
        yield escape(environment.finalize(t_5((undefined(name='not_assessable') if l_0_not_assessable is missing else l_0_not_assessable))))
        yield ' checks not assessable; the inputs they lack:</div>\n<ul class="gaps">'
        l_1_loop = missing
        for (l_1_name, l_1_why), l_1_loop in LoopContext(context.call(environment.getattr(environment.getattr((undefined(name='cov') if l_0_cov is missing else l_0_cov), 'gaps'), 'items')), undefined):
            _loop_vars = {}
            pass
            if (environment.getattr(l_1_loop, 'index') <= 4):
                pass
                yield '<li><b>'
                yield escape(environment.finalize(l_1_name))
                yield '</b>: '
                yield escape(environment.finalize(l_1_why))
                yield '</li>'
        l_1_loop = l_1_name = l_1_why = missing
        if (t_5(environment.getattr((undefined(name='cov') if l_0_cov is missing else l_0_cov), 'gaps')) > 4):
            pass
            yield '<li>and '
            yield escape(environment.finalize((t_5(environment.getattr((undefined(name='cov') if l_0_cov is missing else l_0_cov), 'gaps')) - 4)))
            yield ' more inputs: <a href="#not-assessable">see Not assessable</a></li>'
        elif (not environment.getattr((undefined(name='cov') if l_0_cov is missing else l_0_cov), 'gaps')):
            pass
            yield '<li><a href="#not-assessable">see Not assessable</a></li>'
        yield '</ul>\n'
    else:
        pass
        yield '<div class="note">Every check could be assessed.</div>'
    yield '</div>\n<div class="card identity">\n<p class="label">Cluster and scan</p>\n<dl class="facts">\n<div><dt>Context</dt><dd>'
    yield escape(environment.finalize((environment.getattr(environment.getattr((undefined(name='report') if l_0_report is missing else l_0_report), 'cluster'), 'context') or '—')))
    yield '</dd></div>\n<div><dt>API server</dt><dd>'
    yield escape(environment.finalize((environment.getattr(environment.getattr((undefined(name='report') if l_0_report is missing else l_0_report), 'cluster'), 'server') or '—')))
    yield '</dd></div>\n<div><dt>Server version</dt><dd>'
    yield escape(environment.finalize((environment.getattr(environment.getattr((undefined(name='report') if l_0_report is missing else l_0_report), 'cluster'), 'version') or 'unknown')))
    yield '</dd></div>\n<div><dt>Platform</dt><dd>'
    yield escape(environment.finalize((environment.getattr(environment.getattr((undefined(name='report') if l_0_report is missing else l_0_report), 'cluster'), 'platform') or 'unknown')))
    yield '</dd></div>\n<div><dt>Source</dt><dd>'
    yield escape(environment.finalize(environment.getattr(environment.getattr((undefined(name='report') if l_0_report is missing else l_0_report), 'cluster'), 'source')))
    yield '</dd></div>\n<div><dt>Scope</dt><dd>'
    yield escape(environment.finalize((undefined(name='scope') if l_0_scope is missing else l_0_scope)))
    yield '</dd></div>\n<div><dt>Inventory</dt><dd>'
    yield escape(environment.finalize(environment.getattr(environment.getattr((undefined(name='report') if l_0_report is missing else l_0_report), 'cluster'), 'namespaces')))
    yield ' namespaces, '
    yield escape(environment.finalize(environment.getattr(environment.getattr((undefined(name='report') if l_0_report is missing else l_0_report), 'cluster'), 'workloads')))
    yield ' workloads, '
    yield escape(environment.finalize(environment.getattr(environment.getattr((undefined(name='report') if l_0_report is missing else l_0_report), 'cluster'), 'pods')))
    yield ' pods'
    if (not t_7(environment.getattr((undefined(name='report') if l_0_report is missing else l_0_report), 'nodes'))):
        pass
        yield ', '
        yield escape(environment.finalize(t_5(environment.getattr((undefined(name='report') if l_0_report is missing else l_0_report), 'nodes'))))
        yield ' nodes'
    yield '</dd></div>\n<div><dt>Collected</dt><dd>'
    yield escape(environment.finalize((environment.getattr(environment.getattr((undefined(name='report') if l_0_report is missing else l_0_report), 'cluster'), 'collectedAt') or '—')))
    yield '</dd></div>\n<div><dt>Report generated</dt><dd>'
    yield escape(environment.finalize(environment.getattr((undefined(name='report') if l_0_report is missing else l_0_report), 'generatedAt')))
    yield '</dd></div>\n<div><dt>Tool</dt><dd>'
    yield escape(environment.finalize(environment.getattr((undefined(name='report') if l_0_report is missing else l_0_report), 'tool')))
    yield ' (report schema '
    yield escape(environment.finalize(environment.getattr((undefined(name='report') if l_0_report is missing else l_0_report), 'schemaVersion')))
    yield ')</dd></div>\n</dl>\n</div>\n</section>\n\n<section class="card risks" aria-labelledby="top-risks">\n<p class="label" id="top-risks">Top risks</p>\n'
    if (undefined(name='top_risks') if l_0_top_risks is missing else l_0_top_risks):
        pass
        yield '<ol>\n'
        for l_1_r in (undefined(name='top_risks') if l_0_top_risks is missing else l_0_top_risks):
            _loop_vars = {}
            pass
            yield '<li><span class="badge '
            yield escape(environment.finalize(environment.getattr(environment.getattr(environment.getattr(l_1_r, 'check'), 'severity'), 'value')))
            yield '">'
            yield escape(environment.finalize(environment.getattr(environment.getattr(environment.getattr(l_1_r, 'check'), 'severity'), 'value')))
            yield '</span> <a href="#'
            yield escape(environment.finalize(t_1(environment.getattr(environment.getattr(l_1_r, 'check'), 'id'))))
            yield '"><b>'
            yield escape(environment.finalize(environment.getattr(environment.getattr(l_1_r, 'check'), 'title')))
            yield '</b></a> <code>'
            yield escape(environment.finalize(environment.getattr(environment.getattr(l_1_r, 'check'), 'id')))
            yield '</code><br><span class="who">'
            yield escape(environment.finalize(t_5(environment.getattr(l_1_r, 'findings'))))
            yield ' failing: '
            yield escape(environment.finalize(t_4(context.eval_ctx, environment.getattr(l_1_r, 'shown'), ', ')))
            if environment.getattr(l_1_r, 'more'):
                pass
                yield ' and '
                yield escape(environment.finalize(environment.getattr(l_1_r, 'more')))
                yield ' more'
            yield '</span></li>\n'
        l_1_r = missing
        yield '</ol>'
    else:
        pass
        yield '<p class="empty">No failing checks.</p>'
    yield '</section>\n\n<nav class="toc" aria-label="Contents">\n'
    if environment.getattr((undefined(name='report') if l_0_report is missing else l_0_report), 'sinceLastScan'):
        pass
        yield '<a href="#since">Since last scan</a>'
    yield '<a href="#sections">Sections</a>\n<a href="#findings">Findings</a>\n<a href="#access">Access review</a>\n<a href="#pod-security">Pod Security readiness</a>\n'
    if (not t_7(environment.getattr((undefined(name='report') if l_0_report is missing else l_0_report), 'nodes'))):
        pass
        yield '<a href="#nodes">Nodes</a>'
    yield '<a href="#exemptions">Exemptions</a>\n<a href="#not-assessable">Not assessable</a>\n<a href="#methodology">Methodology</a>\n</nav>\n\n'
    l_0_since = environment.getattr((undefined(name='report') if l_0_report is missing else l_0_report), 'sinceLastScan')
    context.vars['since'] = l_0_since
    context.exported_vars.add('since')
    if (undefined(name='since') if l_0_since is missing else l_0_since):
        pass
        yield '<section id="since" class="since">\n<h2>Since last scan</h2>\n<p>Compared with the scan of '
        yield escape(environment.finalize(environment.getattr(environment.getattr((undefined(name='since') if l_0_since is missing else l_0_since), 'baseline'), 'generatedAt')))
        if environment.getattr(environment.getattr((undefined(name='since') if l_0_since is missing else l_0_since), 'baseline'), 'file'):
            pass
            yield ' ('
            yield escape(environment.finalize(environment.getattr(environment.getattr((undefined(name='since') if l_0_since is missing else l_0_since), 'baseline'), 'file')))
            yield ')'
        yield ' by '
        yield escape(environment.finalize(environment.getattr(environment.getattr((undefined(name='since') if l_0_since is missing else l_0_since), 'baseline'), 'tool')))
        yield ':\nscore '
        yield escape(environment.finalize((environment.getattr(environment.getattr((undefined(name='since') if l_0_since is missing else l_0_since), 'baseline'), 'score') if (not t_7(environment.getattr(environment.getattr((undefined(name='since') if l_0_since is missing else l_0_since), 'baseline'), 'score'))) else 'n/a')))
        yield ' → '
        yield escape(environment.finalize((environment.getattr((undefined(name='since') if l_0_since is missing else l_0_since), 'score') if (not t_7(environment.getattr((undefined(name='since') if l_0_since is missing else l_0_since), 'score'))) else 'n/a')))
        if (not t_7(environment.getattr((undefined(name='since') if l_0_since is missing else l_0_since), 'scoreChange'))):
            pass
            yield ' (<span class="'
            yield escape(environment.finalize(('delta-up' if (environment.getattr((undefined(name='since') if l_0_since is missing else l_0_since), 'scoreChange') >= 0) else 'delta-down')))
            yield '">'
            yield escape(environment.finalize(t_3('%+.1f', environment.getattr((undefined(name='since') if l_0_since is missing else l_0_since), 'scoreChange'))))
            yield '</span>)'
        yield ', grade '
        yield escape(environment.finalize(environment.getattr(environment.getattr((undefined(name='since') if l_0_since is missing else l_0_since), 'baseline'), 'grade')))
        yield ' → '
        yield escape(environment.finalize(environment.getattr((undefined(name='since') if l_0_since is missing else l_0_since), 'grade')))
        yield '.\n<b>'
        yield escape(environment.finalize(t_5(environment.getattr((undefined(name='since') if l_0_since is missing else l_0_since), 'new'))))
        yield '</b> new, <b>'
        yield escape(environment.finalize(t_5(environment.getattr((undefined(name='since') if l_0_since is missing else l_0_since), 'resolved'))))
        yield '</b> resolved, <b>'
        yield escape(environment.finalize(environment.getattr((undefined(name='since') if l_0_since is missing else l_0_since), 'stillFailing')))
        yield '</b> still failing.</p>\n'
        if environment.getattr((undefined(name='since') if l_0_since is missing else l_0_since), 'new'):
            pass
            yield '<h3>New findings</h3>\n<table><thead><tr><th>Severity</th><th>Check</th><th>Resource</th><th>Finding</th></tr></thead><tbody>\n'
            for l_1_c in environment.getattr((undefined(name='since') if l_0_since is missing else l_0_since), 'new'):
                _loop_vars = {}
                pass
                yield '<tr><td><span class="badge '
                yield escape(environment.finalize(environment.getattr(environment.getattr(l_1_c, 'severity'), 'value')))
                yield '">'
                yield escape(environment.finalize(environment.getattr(environment.getattr(l_1_c, 'severity'), 'value')))
                yield '</span></td><td><code>'
                yield escape(environment.finalize(environment.getattr(l_1_c, 'check')))
                yield '</code></td><td>'
                yield escape(environment.finalize((context.call(environment.getattr(environment.getattr(l_1_c, 'resource'), 'label'), _loop_vars=_loop_vars) if environment.getattr(l_1_c, 'resource') else 'cluster')))
                if environment.getattr(l_1_c, 'container'):
                    pass
                    yield ' ('
                    yield escape(environment.finalize(environment.getattr(l_1_c, 'container')))
                    yield ')'
                yield '</td><td>'
                yield escape(environment.finalize(environment.getattr(l_1_c, 'message')))
                yield '</td></tr>\n'
            l_1_c = missing
            yield '</tbody></table>'
        if environment.getattr((undefined(name='since') if l_0_since is missing else l_0_since), 'resolved'):
            pass
            yield '<h3>Resolved findings</h3>\n<table><thead><tr><th>Severity</th><th>Check</th><th>Resource</th><th>Now</th></tr></thead><tbody>\n'
            for l_1_c in environment.getattr((undefined(name='since') if l_0_since is missing else l_0_since), 'resolved'):
                _loop_vars = {}
                pass
                yield '<tr><td><span class="badge '
                yield escape(environment.finalize(environment.getattr(environment.getattr(l_1_c, 'severity'), 'value')))
                yield '">'
                yield escape(environment.finalize(environment.getattr(environment.getattr(l_1_c, 'severity'), 'value')))
                yield '</span></td><td><code>'
                yield escape(environment.finalize(environment.getattr(l_1_c, 'check')))
                yield '</code></td><td>'
                yield escape(environment.finalize((context.call(environment.getattr(environment.getattr(l_1_c, 'resource'), 'label'), _loop_vars=_loop_vars) if environment.getattr(l_1_c, 'resource') else 'cluster')))
                if environment.getattr(l_1_c, 'container'):
                    pass
                    yield ' ('
                    yield escape(environment.finalize(environment.getattr(l_1_c, 'container')))
                    yield ')'
                yield '</td><td>'
                yield escape(environment.finalize(environment.getattr(l_1_c, 'now')))
                if (environment.getattr(l_1_c, 'now') == 'not-assessable'):
                    pass
                    yield ' (not a fix: the check could not look)'
                yield '</td></tr>\n'
            l_1_c = missing
            yield '</tbody></table>'
        yield '</section>\n'
    yield '\n<section id="sections">\n<h2>Sections</h2>\n<table class="sections"><thead><tr><th>NSA/CISA section</th><th>Score</th><th class="num">Checks assessed</th><th class="num">Failing checks</th></tr></thead><tbody>\n'
    for l_1_v in (undefined(name='section_views') if l_0_section_views is missing else l_0_section_views):
        _loop_vars = {}
        pass
        yield '<tr><td><a href="#sec-'
        yield escape(environment.finalize(environment.getattr(l_1_v, 'slug')))
        yield '">'
        yield escape(environment.finalize(environment.getattr(environment.getattr(l_1_v, 'score'), 'title')))
        yield '</a></td><td>'
        yield escape(environment.finalize((t_3('%.1f', environment.getattr(environment.getattr(l_1_v, 'score'), 'score')) if (not t_7(environment.getattr(environment.getattr(l_1_v, 'score'), 'score'))) else 'n/a')))
        yield '<svg viewBox="0 0 100 6" preserveAspectRatio="none" role="img" aria-label="score '
        yield escape(environment.finalize((environment.getattr(environment.getattr(l_1_v, 'score'), 'score') if (not t_7(environment.getattr(environment.getattr(l_1_v, 'score'), 'score'))) else 'n/a')))
        yield '"><rect width="100" height="6" rx="3" fill="#e6eaef"/>'
        if (not t_7(environment.getattr(environment.getattr(l_1_v, 'score'), 'score'))):
            pass
            yield '<rect width="'
            yield escape(environment.finalize(t_3('%.1f', environment.getattr(environment.getattr(l_1_v, 'score'), 'score'))))
            yield '" height="6" rx="3" fill="'
            yield escape(environment.finalize(environment.getattr(l_1_v, 'colour')))
            yield '"/>'
        yield '</svg></td><td class="num">'
        yield escape(environment.finalize(environment.getattr(environment.getattr(l_1_v, 'score'), 'assessed')))
        yield '/'
        yield escape(environment.finalize(environment.getattr(environment.getattr(l_1_v, 'score'), 'checks')))
        yield '</td><td class="num">'
        yield escape(environment.finalize(environment.getattr(environment.getattr(l_1_v, 'score'), 'failed')))
        yield '</td></tr>\n'
    l_1_v = missing
    yield '</tbody></table>\n</section>\n\n<section id="findings" class="part">\n<h2>Findings</h2>\n<p class="note">Failing checks by NSA/CISA section, the most severe first; each lists the workloads or subjects affected with the evidence (the field looked at and the value seen: never a secret value), and how to fix it. Critical and high checks are open; the rest open on a click.</p>\n<div class="toolbar" id="filters" hidden>\n<input type="search" id="filter-text" placeholder="Filter: check, namespace, name…" aria-label="Filter findings">\n'
    for l_1_sev in (undefined(name='severities') if l_0_severities is missing else l_0_severities):
        _loop_vars = {}
        pass
        yield '<label><input type="checkbox" value="'
        yield escape(environment.finalize(environment.getattr(l_1_sev, 'value')))
        yield '" checked> '
        yield escape(environment.finalize(environment.getattr(l_1_sev, 'value')))
        yield '</label>\n'
    l_1_sev = missing
    yield '<button type="button" id="expand-all">Expand all</button><button type="button" id="collapse-all">Collapse all</button>\n<span class="shown" id="filter-shown"></span>\n</div>\n'
    l_1_loop = missing
    for l_1_v, l_1_loop in LoopContext((undefined(name='section_views') if l_0_section_views is missing else l_0_section_views), undefined):
        _loop_vars = {}
        pass
        yield '<section class="nsa" id="sec-'
        yield escape(environment.finalize(environment.getattr(l_1_v, 'slug')))
        yield '">\n<div class="section-head"><h2>'
        yield escape(environment.finalize(environment.getattr(environment.getattr(l_1_v, 'score'), 'title')))
        yield '</h2>\n<span class="score">'
        yield escape(environment.finalize((t_3('%.1f', environment.getattr(environment.getattr(l_1_v, 'score'), 'score')) if (not t_7(environment.getattr(environment.getattr(l_1_v, 'score'), 'score'))) else 'n/a')))
        yield '</span>\n<svg viewBox="0 0 100 6" preserveAspectRatio="none" role="img" aria-label="section score"><rect width="100" height="6" rx="3" fill="#e6eaef"/>'
        if (not t_7(environment.getattr(environment.getattr(l_1_v, 'score'), 'score'))):
            pass
            yield '<rect width="'
            yield escape(environment.finalize(t_3('%.1f', environment.getattr(environment.getattr(l_1_v, 'score'), 'score'))))
            yield '" height="6" rx="3" fill="'
            yield escape(environment.finalize(environment.getattr(l_1_v, 'colour')))
            yield '"/>'
        yield '</svg></div>\n<p class="section-sub">'
        yield escape(environment.finalize(environment.getattr(environment.getattr(l_1_v, 'score'), 'assessed')))
        yield ' of '
        yield escape(environment.finalize(environment.getattr(environment.getattr(l_1_v, 'score'), 'checks')))
        yield ' checks assessed · '
        yield escape(environment.finalize(t_5(environment.getattr(l_1_v, 'failing'))))
        yield ' failing</p>\n'
        l_2_loop = missing
        t_8 = 1
        for l_2_c, l_2_loop in LoopContext(environment.getattr(l_1_v, 'failing'), undefined):
            l_2_failures_by_check = resolve('failures_by_check')
            l_2_finding_rows = resolve('finding_rows')
            l_2_fs = missing
            _loop_vars = {}
            pass
            l_2_fs = environment.getitem((undefined(name='failures_by_check') if l_2_failures_by_check is missing else l_2_failures_by_check), environment.getattr(l_2_c, 'id'))
            _loop_vars['fs'] = l_2_fs
            yield '<details class="check '
            yield escape(environment.finalize(environment.getattr(environment.getattr(l_2_c, 'severity'), 'value')))
            yield '" id="'
            yield escape(environment.finalize(t_1(environment.getattr(l_2_c, 'id'))))
            yield '" data-severity="'
            yield escape(environment.finalize(environment.getattr(environment.getattr(l_2_c, 'severity'), 'value')))
            yield '"'
            if (environment.getattr(environment.getattr(l_2_c, 'severity'), 'rank') >= 3):
                pass
                yield ' open'
            yield '>\n<summary><span class="badge '
            yield escape(environment.finalize(environment.getattr(environment.getattr(l_2_c, 'severity'), 'value')))
            yield '">'
            yield escape(environment.finalize(environment.getattr(environment.getattr(l_2_c, 'severity'), 'value')))
            yield '</span> <span class="title">'
            yield escape(environment.finalize(environment.getattr(l_2_c, 'title')))
            yield '</span><span class="id">'
            yield escape(environment.finalize(environment.getattr(l_2_c, 'id')))
            yield '</span><span class="n">'
            yield escape(environment.finalize(t_5((undefined(name='fs') if l_2_fs is missing else l_2_fs))))
            yield ' failing'
            if environment.getattr(l_2_c, 'passed'):
                pass
                yield ' · '
                yield escape(environment.finalize(environment.getattr(l_2_c, 'passed')))
                yield ' passed'
            if environment.getattr(l_2_c, 'exempt'):
                pass
                yield ' · '
                yield escape(environment.finalize(environment.getattr(l_2_c, 'exempt')))
                yield ' exempt'
            yield '</span></summary>\n<div class="body">\n'
            if environment.getattr(l_2_c, 'rationale'):
                pass
                yield '<p class="why">'
                yield escape(environment.finalize(t_2(environment.getattr(l_2_c, 'rationale'))))
                yield '</p>'
            yield '<table><thead><tr><th>Affected</th><th>Finding</th><th>Evidence</th></tr></thead><tbody>\n'
            for l_3_rows in context.call((undefined(name='finding_rows') if l_2_finding_rows is missing else l_2_finding_rows), (undefined(name='fs') if l_2_fs is missing else l_2_fs), _loop_vars=_loop_vars):
                _loop_vars = {}
                pass
                yield escape(environment.finalize(l_3_rows))
            l_3_rows = missing
            yield '</tbody></table>\n<p class="fix-label">Remediation</p>\n<p>'
            yield escape(environment.finalize(t_2((environment.getattr(l_2_c, 'remediation') or environment.getattr(environment.getitem((undefined(name='fs') if l_2_fs is missing else l_2_fs), 0), 'remediation')))))
            yield '</p>\n'
            if environment.getattr(l_2_c, 'fix'):
                pass
                yield '<pre><code>'
                yield escape(environment.finalize(environment.getattr(l_2_c, 'fix')))
                yield '</code></pre>'
            if environment.getattr(l_2_c, 'references'):
                pass
                yield '<p class="refs">References: '
                def t_9(fiter):
                    for (l_3_k, l_3_ids) in fiter:
                        if l_3_ids:
                            yield (l_3_k, l_3_ids)
                l_3_loop = missing
                for (l_3_k, l_3_ids), l_3_loop in LoopContext(t_9(context.call(environment.getattr(environment.getattr(l_2_c, 'references'), 'items'), _loop_vars=_loop_vars)), undefined):
                    _loop_vars = {}
                    pass
                    yield escape(environment.finalize(l_3_k))
                    yield ' '
                    yield escape(environment.finalize(t_4(context.eval_ctx, l_3_ids, ', ')))
                    yield escape(environment.finalize(('; ' if (not environment.getattr(l_3_loop, 'last')) else cond_expr_undefined("the inline if-expression on line 139 in 'report.html' evaluated to false and no else section was defined."))))
                l_3_loop = l_3_k = l_3_ids = missing
                yield '</p>'
            yield '</div>\n</details>\n'
            t_8 = 0
        l_2_loop = l_2_c = l_2_failures_by_check = l_2_fs = l_2_finding_rows = missing
        if t_8:
            pass
            yield '<p class="empty">No failing checks in this section.</p>\n'
        yield '<details class="all"><summary>All '
        yield escape(environment.finalize(t_5(environment.getattr(l_1_v, 'checks'))))
        yield ' checks of this section</summary>\n<table><thead><tr><th>Check</th><th>Severity</th><th>Status</th><th class="num">Passed</th><th class="num">Failed</th><th class="num">Exempt</th></tr></thead><tbody>\n'
        for l_2_c in environment.getattr(l_1_v, 'checks'):
            _loop_vars = {}
            pass
            yield '<tr><td><code>'
            yield escape(environment.finalize(environment.getattr(l_2_c, 'id')))
            yield '</code> '
            yield escape(environment.finalize(environment.getattr(l_2_c, 'title')))
            if environment.getattr(l_2_c, 'reason'):
                pass
                yield '<br><span class="loc">'
                yield escape(environment.finalize(environment.getattr(l_2_c, 'reason')))
                yield '</span>'
            yield '</td><td>'
            yield escape(environment.finalize(environment.getattr(environment.getattr(l_2_c, 'severity'), 'value')))
            yield '</td><td><span class="status '
            yield escape(environment.finalize(environment.getattr(environment.getattr(l_2_c, 'status'), 'value')))
            yield '">'
            yield escape(environment.finalize(environment.getattr(environment.getattr(l_2_c, 'status'), 'value')))
            yield '</span></td><td class="num">'
            yield escape(environment.finalize(environment.getattr(l_2_c, 'passed')))
            yield '</td><td class="num">'
            yield escape(environment.finalize(environment.getattr(l_2_c, 'failed')))
            yield '</td><td class="num">'
            yield escape(environment.finalize(environment.getattr(l_2_c, 'exempt')))
            yield '</td></tr>\n'
        l_2_c = missing
        yield '</tbody></table>\n</details>\n</section>\n'
    l_1_loop = l_1_v = missing
    yield '</section>\n\n<section id="access" class="part">\n<h2>Access review</h2>\n'
    l_0_review = environment.getattr((undefined(name='report') if l_0_report is missing else l_0_report), 'accessReview')
    context.vars['review'] = l_0_review
    context.exported_vars.add('review')
    if t_7((undefined(name='review') if l_0_review is missing else l_0_review)):
        pass
        yield '<p>Not computed.</p>\n'
    elif (environment.getattr((undefined(name='review') if l_0_review is missing else l_0_review), 'status') == 'not-assessable'):
        pass
        yield '<p>Not assessable: '
        yield escape(environment.finalize(environment.getattr((undefined(name='review') if l_0_review is missing else l_0_review), 'reason')))
        yield '</p>\n'
    else:
        pass
        yield "<p>Who holds each risky permission beyond a team's own namespace (cluster-wide, in kube-system, or as a group meaning everyone), and through which binding; a holder of every verb on every resource is listed once. <code>k8saudit who-can</code> answers one question at a time."
        if (environment.getattr((undefined(name='review') if l_0_review is missing else l_0_review), 'status') == 'partial'):
            pass
            yield ' <strong>Incomplete:</strong> '
            yield escape(environment.finalize(environment.getattr((undefined(name='review') if l_0_review is missing else l_0_review), 'reason')))
        yield '</p>\n'
        l_0_rows = context.call(environment.getattr((undefined(name='review') if l_0_review is missing else l_0_review), 'rows'))
        context.vars['rows'] = l_0_rows
        context.exported_vars.add('rows')
        if (undefined(name='rows') if l_0_rows is missing else l_0_rows):
            pass
            yield '<table><tr><th>Permission</th><th>Subject</th><th>Where</th><th>Through</th></tr>\n'
            l_1_loop = missing
            for (l_1_p, l_1_h), l_1_loop in LoopContext((undefined(name='rows') if l_0_rows is missing else l_0_rows), undefined):
                _loop_vars = {}
                pass
                yield '<tr><td>'
                yield escape(environment.finalize(environment.getattr(l_1_p, 'title')))
                yield '</td><td>'
                yield escape(environment.finalize(context.call(environment.getattr(environment.getattr(l_1_h, 'subject'), 'label'), _loop_vars=_loop_vars)))
                yield '</td><td>'
                yield escape(environment.finalize(context.call(environment.getattr(l_1_h, 'where'), _loop_vars=_loop_vars)))
                yield '</td><td>'
                l_2_loop = missing
                for l_2_v, l_2_loop in LoopContext(context.call(environment.getattr(l_1_h, 'via'), _loop_vars=_loop_vars), undefined):
                    _loop_vars = {}
                    pass
                    yield escape(environment.finalize(l_2_v))
                    if (not environment.getattr(l_2_loop, 'last')):
                        pass
                        yield '<br>'
                l_2_loop = l_2_v = missing
                yield '</td></tr>\n'
            l_1_loop = l_1_p = l_1_h = missing
            yield '</table>'
        else:
            pass
            yield '<p>No subject beyond the built-in defaults holds a risky permission.</p>'
        l_0_local = context.call(environment.getattr((undefined(name='review') if l_0_review is missing else l_0_review), 'namespaced_counts'))
        context.vars['local'] = l_0_local
        context.exported_vars.add('local')
        if (undefined(name='local') if l_0_local is missing else l_0_local):
            pass
            yield '<p>Held only within their own namespaces, through RoleBindings (counted, not listed; <code>k8saudit who-can VERB RESOURCE -A</code> lists them): '
            l_1_loop = missing
            for (l_1_title, l_1_n, l_1_ns), l_1_loop in LoopContext((undefined(name='local') if l_0_local is missing else l_0_local), undefined):
                _loop_vars = {}
                pass
                yield escape(environment.finalize(l_1_title))
                yield ' ('
                yield escape(environment.finalize(l_1_n))
                yield ' in '
                yield escape(environment.finalize(l_1_ns))
                yield ' namespace'
                yield escape(environment.finalize(('s' if (l_1_ns != 1) else cond_expr_undefined("the inline if-expression on line 164 in 'report.html' evaluated to false and no else section was defined."))))
                yield ')'
                yield escape(environment.finalize((', ' if (not environment.getattr(l_1_loop, 'last')) else cond_expr_undefined("the inline if-expression on line 164 in 'report.html' evaluated to false and no else section was defined."))))
            l_1_loop = l_1_title = l_1_n = l_1_ns = missing
            yield '.</p>'
        l_0_counts = context.call(environment.getattr((undefined(name='review') if l_0_review is missing else l_0_review), 'built_in_counts'))
        context.vars['counts'] = l_0_counts
        context.exported_vars.add('counts')
        if (undefined(name='counts') if l_0_counts is missing else l_0_counts):
            pass
            yield '<p>Also held by built-in system identities (listed in report.json): '
            l_1_loop = missing
            for (l_1_title, l_1_n), l_1_loop in LoopContext((undefined(name='counts') if l_0_counts is missing else l_0_counts), undefined):
                _loop_vars = {}
                pass
                yield escape(environment.finalize(l_1_title))
                yield ' ('
                yield escape(environment.finalize(l_1_n))
                yield ')'
                yield escape(environment.finalize((', ' if (not environment.getattr(l_1_loop, 'last')) else cond_expr_undefined("the inline if-expression on line 166 in 'report.html' evaluated to false and no else section was defined."))))
            l_1_loop = l_1_title = l_1_n = missing
            yield '.</p>'
    yield '</section>\n\n<section id="pod-security">\n<h2>Pod Security readiness</h2>\n'
    if t_7(environment.getattr((undefined(name='report') if l_0_report is missing else l_0_report), 'podSecurity')):
        pass
        yield '<p>Not computed.</p>\n'
    elif (not environment.getattr((undefined(name='report') if l_0_report is missing else l_0_report), 'podSecurity')):
        pass
        yield '<p class="empty">No namespace in scope.</p>\n'
    else:
        pass
        yield '<p class="note">Per namespace: the Pod Security admission labels it has, the highest Pod Security Standard its workloads meet today, and whether <code>baseline</code> or <code>restricted</code> could be enforced now without rejecting any of them (and if not, which workloads would break).</p>\n<table><thead><tr><th>Namespace</th><th>Enforce</th><th>Audit / warn</th><th class="num">Workloads</th><th>Workloads at privileged / baseline / restricted</th><th>Baseline today</th><th>Restricted today</th><th>Would break under restricted</th></tr></thead><tbody>\n'
        l_1_loop = missing
        for l_1_n, l_1_loop in LoopContext(environment.getattr((undefined(name='report') if l_0_report is missing else l_0_report), 'podSecurity'), undefined):
            l_1_breaking_shown = resolve('breaking_shown')
            l_1_broken = missing
            _loop_vars = {}
            pass
            yield '<tr><td>'
            yield escape(environment.finalize(environment.getattr(l_1_n, 'namespace')))
            if environment.getattr(l_1_n, 'system'):
                pass
                yield ' <span class="loc">(system)</span>'
            yield '</td>\n<td>'
            if (not environment.getattr(l_1_n, 'labelsKnown')):
                pass
                yield '<span class="unknown">unknown</span>'
            else:
                pass
                yield escape(environment.finalize((environment.getattr(environment.getattr(l_1_n, 'enforce'), 'level') or 'unset')))
                if environment.getattr(environment.getattr(l_1_n, 'enforce'), 'version'):
                    pass
                    yield ' ('
                    yield escape(environment.finalize(environment.getattr(environment.getattr(l_1_n, 'enforce'), 'version')))
                    yield ')'
            yield '</td>\n<td>'
            yield escape(environment.finalize((environment.getattr(environment.getattr(l_1_n, 'audit'), 'level') or 'unset')))
            yield ' / '
            yield escape(environment.finalize((environment.getattr(environment.getattr(l_1_n, 'warn'), 'level') or 'unset')))
            yield '</td>\n<td class="num">'
            yield escape(environment.finalize((environment.getattr(l_1_n, 'workloads') if environment.getattr(l_1_n, 'workloadsKnown') else '?')))
            yield '</td>\n<td>'
            if environment.getattr(l_1_n, 'workloadsKnown'):
                pass
                yield escape(environment.finalize(context.call(environment.getattr(environment.getattr(l_1_n, 'levels'), 'get'), 'privileged', 0, _loop_vars=_loop_vars)))
                yield ' / '
                yield escape(environment.finalize(context.call(environment.getattr(environment.getattr(l_1_n, 'levels'), 'get'), 'baseline', 0, _loop_vars=_loop_vars)))
                yield ' / '
                yield escape(environment.finalize(context.call(environment.getattr(environment.getattr(l_1_n, 'levels'), 'get'), 'restricted', 0, _loop_vars=_loop_vars)))
            else:
                pass
                yield '<span class="unknown">unknown</span>'
            yield '</td>\n'
            for l_2_ok in (environment.getattr(l_1_n, 'canEnforceBaseline'), environment.getattr(l_1_n, 'canEnforceRestricted')):
                _loop_vars = {}
                pass
                yield '<td>'
                if t_7(l_2_ok):
                    pass
                    yield '<span class="unknown">unknown</span>'
                elif l_2_ok:
                    pass
                    yield '<span class="yes">yes</span>'
                else:
                    pass
                    yield '<span class="no">no</span>'
                yield '</td>'
            l_2_ok = missing
            yield '<td>'
            l_1_broken = (environment.getattr(l_1_n, 'wouldBreakRestricted') or [])
            _loop_vars['broken'] = l_1_broken
            l_2_loop = missing
            for l_2_b, l_2_loop in LoopContext((undefined(name='broken') if l_1_broken is missing else l_1_broken)[:(undefined(name='breaking_shown') if l_1_breaking_shown is missing else l_1_breaking_shown)], undefined):
                _loop_vars = {}
                pass
                yield escape(environment.finalize(environment.getattr(l_2_b, 'workload')))
                yield ' <span class="loc">('
                yield escape(environment.finalize(environment.getattr(l_2_b, 'level')))
                yield ')</span>'
                yield escape(environment.finalize((', ' if (not environment.getattr(l_2_loop, 'last')) else cond_expr_undefined("the inline if-expression on line 182 in 'report.html' evaluated to false and no else section was defined."))))
            l_2_loop = l_2_b = missing
            if (t_5((undefined(name='broken') if l_1_broken is missing else l_1_broken)) > (undefined(name='breaking_shown') if l_1_breaking_shown is missing else l_1_breaking_shown)):
                pass
                yield ' and '
                yield escape(environment.finalize((t_5((undefined(name='broken') if l_1_broken is missing else l_1_broken)) - (undefined(name='breaking_shown') if l_1_breaking_shown is missing else l_1_breaking_shown))))
                yield ' more'
            yield '</td></tr>\n'
        l_1_loop = l_1_n = l_1_broken = l_1_breaking_shown = missing
        yield '</tbody></table>'
    yield '</section>\n\n'
    if (not t_7(environment.getattr((undefined(name='report') if l_0_report is missing else l_0_report), 'nodes'))):
        pass
        yield '<section id="nodes">\n<h2>Nodes</h2>\n'
        if environment.getattr((undefined(name='report') if l_0_report is missing else l_0_report), 'nodes'):
            pass
            yield '<table><thead><tr><th>Node</th><th>Roles</th><th>Kubelet</th><th>Container runtime</th><th>OS image</th><th>Kernel</th><th>Arch</th></tr></thead><tbody>\n'
            for l_1_n in environment.getattr((undefined(name='report') if l_0_report is missing else l_0_report), 'nodes'):
                _loop_vars = {}
                pass
                yield '<tr><td>'
                yield escape(environment.finalize(environment.getattr(l_1_n, 'name')))
                yield '</td><td>'
                yield escape(environment.finalize((t_4(context.eval_ctx, environment.getattr(l_1_n, 'roles'), ', ') or '—')))
                yield '</td><td>'
                yield escape(environment.finalize((environment.getattr(l_1_n, 'kubeletVersion') or '—')))
                yield '</td><td>'
                yield escape(environment.finalize((environment.getattr(l_1_n, 'containerRuntime') or '—')))
                yield '</td><td>'
                yield escape(environment.finalize((environment.getattr(l_1_n, 'osImage') or '—')))
                yield '</td><td>'
                yield escape(environment.finalize((environment.getattr(l_1_n, 'kernelVersion') or '—')))
                yield '</td><td>'
                yield escape(environment.finalize((environment.getattr(l_1_n, 'architecture') or '—')))
                yield '</td></tr>\n'
            l_1_n = missing
            yield '</tbody></table>'
        else:
            pass
            yield '<p class="empty">No nodes.</p>'
        yield '</section>\n'
    yield '\n<section id="exemptions" class="part">\n<h2>Exemptions</h2>\n<p>Scope: '
    if (environment.getattr(environment.getattr((undefined(name='cfg') if l_0_cfg is missing else l_0_cfg), 'scope'), 'include') or environment.getattr(environment.getattr((undefined(name='cfg') if l_0_cfg is missing else l_0_cfg), 'scope'), 'exclude')):
        pass
        yield 'namespaces matching '
        yield escape(environment.finalize((t_4(context.eval_ctx, environment.getattr(environment.getattr((undefined(name='cfg') if l_0_cfg is missing else l_0_cfg), 'scope'), 'include'), ', ') or '*')))
        if environment.getattr(environment.getattr((undefined(name='cfg') if l_0_cfg is missing else l_0_cfg), 'scope'), 'exclude'):
            pass
            yield ', except '
            yield escape(environment.finalize(t_4(context.eval_ctx, environment.getattr(environment.getattr((undefined(name='cfg') if l_0_cfg is missing else l_0_cfg), 'scope'), 'exclude'), ', ')))
        if environment.getattr(environment.getattr((undefined(name='cfg') if l_0_cfg is missing else l_0_cfg), 'scope'), 'excludedNamespaces'):
            pass
            yield ' (left out: '
            yield escape(environment.finalize(t_4(context.eval_ctx, environment.getattr(environment.getattr((undefined(name='cfg') if l_0_cfg is missing else l_0_cfg), 'scope'), 'excludedNamespaces'), ', ')))
            yield ')'
        yield '; cluster-level findings are always kept'
    else:
        pass
        yield 'every namespace'
    yield '.\nConfig file: '
    yield escape(environment.finalize((environment.getattr((undefined(name='cfg') if l_0_cfg is missing else l_0_cfg), 'file') or 'none')))
    yield '. Annotation exemptions: '
    yield escape(environment.finalize(('honoured' if environment.getattr((undefined(name='cfg') if l_0_cfg is missing else l_0_cfg), 'annotationExemptions') else 'refused (--no-annotation-exemptions)')))
    yield '.'
    if environment.getattr((undefined(name='cfg') if l_0_cfg is missing else l_0_cfg), 'severityOverrides'):
        pass
        yield ' Severity overrides: '
        l_1_loop = missing
        for (l_1_id, l_1_sev), l_1_loop in LoopContext(context.call(environment.getattr(environment.getattr((undefined(name='cfg') if l_0_cfg is missing else l_0_cfg), 'severityOverrides'), 'items')), undefined):
            _loop_vars = {}
            pass
            yield escape(environment.finalize(l_1_id))
            yield ' &rarr; '
            yield escape(environment.finalize(environment.getattr(l_1_sev, 'value')))
            yield escape(environment.finalize((', ' if (not environment.getattr(l_1_loop, 'last')) else cond_expr_undefined("the inline if-expression on line 198 in 'report.html' evaluated to false and no else section was defined."))))
        l_1_loop = l_1_id = l_1_sev = missing
        yield '.'
    if environment.getattr((undefined(name='cfg') if l_0_cfg is missing else l_0_cfg), 'allowedRegistries'):
        pass
        yield ' Allowed registries: '
        yield escape(environment.finalize(t_4(context.eval_ctx, environment.getattr((undefined(name='cfg') if l_0_cfg is missing else l_0_cfg), 'allowedRegistries'), ', ')))
        yield '.'
    yield '</p>\n<h3>Exempt findings</h3>\n'
    if (undefined(name='exempt') if l_0_exempt is missing else l_0_exempt):
        pass
        yield '<table><thead><tr><th>Check</th><th>Resource</th><th>Why</th><th>Who / declared in</th><th>Until</th></tr></thead><tbody>\n'
        for l_1_f in (undefined(name='exempt') if l_0_exempt is missing else l_0_exempt):
            _loop_vars = {}
            pass
            yield '<tr><td><code>'
            yield escape(environment.finalize(environment.getattr(l_1_f, 'check')))
            yield '</code></td><td>'
            yield escape(environment.finalize((context.call(environment.getattr(environment.getattr(l_1_f, 'resource'), 'label'), _loop_vars=_loop_vars) if environment.getattr(l_1_f, 'resource') else 'cluster')))
            if environment.getattr(l_1_f, 'container'):
                pass
                yield ' (container '
                yield escape(environment.finalize(environment.getattr(l_1_f, 'container')))
                yield ')'
            yield '</td><td>'
            yield escape(environment.finalize(environment.getattr(environment.getattr(l_1_f, 'exemption'), 'reason')))
            yield '</td><td>'
            if environment.getattr(environment.getattr(l_1_f, 'exemption'), 'owner'):
                pass
                yield 'owner '
                yield escape(environment.finalize(environment.getattr(environment.getattr(l_1_f, 'exemption'), 'owner')))
                yield '<br>'
            yield '<span class="loc">'
            yield escape(environment.finalize((environment.getattr(environment.getattr(l_1_f, 'exemption'), 'source') or environment.getattr(environment.getattr(l_1_f, 'exemption'), 'by'))))
            yield '</span></td><td>'
            yield escape(environment.finalize((environment.getattr(environment.getattr(l_1_f, 'exemption'), 'expires') or 'no expiry')))
            yield '</td></tr>\n'
        l_1_f = missing
        yield '</tbody></table>'
    else:
        pass
        yield '<p>No exemptions applied.</p>'
    if (undefined(name='expired') if l_0_expired is missing else l_0_expired):
        pass
        yield '<h3>Expired exemptions (failing again)</h3>\n<ul>'
        for l_1_f in (undefined(name='expired') if l_0_expired is missing else l_0_expired):
            _loop_vars = {}
            pass
            yield '<li><strong>'
            yield escape(environment.finalize(environment.getattr(l_1_f, 'check')))
            yield '</strong> on '
            yield escape(environment.finalize((context.call(environment.getattr(environment.getattr(l_1_f, 'resource'), 'label'), _loop_vars=_loop_vars) if environment.getattr(l_1_f, 'resource') else 'cluster')))
            if environment.getattr(l_1_f, 'container'):
                pass
                yield ' (container '
                yield escape(environment.finalize(environment.getattr(l_1_f, 'container')))
                yield ')'
            yield ': expired on '
            yield escape(environment.finalize(environment.getattr(environment.getattr(l_1_f, 'exemption'), 'expires')))
            yield '; owner '
            yield escape(environment.finalize((environment.getattr(environment.getattr(l_1_f, 'exemption'), 'owner') or 'unknown')))
            yield '; '
            yield escape(environment.finalize((environment.getattr(environment.getattr(l_1_f, 'exemption'), 'source') or '')))
            yield '</li>'
        l_1_f = missing
        yield '</ul>'
    yield '<h3>Configured exemptions</h3>\n'
    if environment.getattr((undefined(name='cfg') if l_0_cfg is missing else l_0_cfg), 'exemptions'):
        pass
        yield '<table><tr><th>Source</th><th>Checks</th><th>Applies to</th><th>Reason</th><th>Owner</th><th>Expires</th><th>Matched</th></tr>\n'
        for l_1_r in environment.getattr((undefined(name='cfg') if l_0_cfg is missing else l_0_cfg), 'exemptions'):
            _loop_vars = {}
            pass
            yield '<tr><td>'
            yield escape(environment.finalize(environment.getattr(l_1_r, 'source')))
            yield '</td><td>'
            yield escape(environment.finalize(t_4(context.eval_ctx, environment.getattr(l_1_r, 'checks'), ', ')))
            yield '</td><td>'
            if environment.getattr(l_1_r, 'namespaces'):
                pass
                yield 'namespaces '
                yield escape(environment.finalize(t_4(context.eval_ctx, environment.getattr(l_1_r, 'namespaces'), ', ')))
                yield ' '
            if environment.getattr(l_1_r, 'names'):
                pass
                yield 'names '
                yield escape(environment.finalize(t_4(context.eval_ctx, environment.getattr(l_1_r, 'names'), ', ')))
                yield ' '
            if environment.getattr(l_1_r, 'kinds'):
                pass
                yield 'kinds '
                yield escape(environment.finalize(t_4(context.eval_ctx, environment.getattr(l_1_r, 'kinds'), ', ')))
                yield ' '
            if environment.getattr(l_1_r, 'containers'):
                pass
                yield 'containers '
                yield escape(environment.finalize(t_4(context.eval_ctx, environment.getattr(l_1_r, 'containers'), ', ')))
            if (not (((environment.getattr(l_1_r, 'namespaces') or environment.getattr(l_1_r, 'names')) or environment.getattr(l_1_r, 'kinds')) or environment.getattr(l_1_r, 'containers'))):
                pass
                yield 'everything'
            yield '</td><td>'
            yield escape(environment.finalize(environment.getattr(l_1_r, 'reason')))
            yield '</td><td>'
            yield escape(environment.finalize((environment.getattr(l_1_r, 'owner') or '')))
            yield '</td><td>'
            yield escape(environment.finalize((environment.getattr(l_1_r, 'expires') or 'never')))
            yield escape(environment.finalize((' (expired)' if environment.getattr(l_1_r, 'expired') else cond_expr_undefined("the inline if-expression on line 207 in 'report.html' evaluated to false and no else section was defined."))))
            yield '</td><td>'
            yield escape(environment.finalize(environment.getattr(l_1_r, 'matched')))
            yield '</td></tr>\n'
        l_1_r = missing
        yield '</table>'
    else:
        pass
        yield '<p>None'
        yield escape(environment.finalize((' (no config file)' if (not environment.getattr((undefined(name='cfg') if l_0_cfg is missing else l_0_cfg), 'file')) else cond_expr_undefined("the inline if-expression on line 208 in 'report.html' evaluated to false and no else section was defined."))))
        yield '.</p>'
    yield '<h3>Default exemptions ('
    yield escape(environment.finalize(('on' if environment.getattr(environment.getattr((undefined(name='cfg') if l_0_cfg is missing else l_0_cfg), 'defaultExemptions'), 'enabled') else 'off: --no-default-exemptions or defaultExemptions: false')))
    yield ')</h3>\n'
    if environment.getattr(environment.getattr((undefined(name='cfg') if l_0_cfg is missing else l_0_cfg), 'defaultExemptions'), 'rules'):
        pass
        yield '<table><tr><th>Check</th><th>Applies to</th><th>Why</th><th>Matched</th></tr>\n'
        for l_1_r in environment.getattr(environment.getattr((undefined(name='cfg') if l_0_cfg is missing else l_0_cfg), 'defaultExemptions'), 'rules'):
            _loop_vars = {}
            pass
            yield '<tr><td>'
            yield escape(environment.finalize(t_4(context.eval_ctx, environment.getattr(l_1_r, 'checks'), ', ')))
            yield '</td><td>'
            yield escape(environment.finalize((environment.getattr(l_1_r, 'selector') or '')))
            yield '</td><td>'
            yield escape(environment.finalize(environment.getattr(l_1_r, 'reason')))
            yield '</td><td>'
            yield escape(environment.finalize(environment.getattr(l_1_r, 'matched')))
            yield '</td></tr>\n'
        l_1_r = missing
        yield '</table>'
    else:
        pass
        yield "<p>None of the catalogue's checks has a default exemption.</p>"
    yield '</section>\n\n<section id="not-assessable">\n<h2>Not assessable</h2>\n'
    if (undefined(name='not_assessable') if l_0_not_assessable is missing else l_0_not_assessable):
        pass
        yield '<p class="note">These checks could not see what they judge, so they are left out of the score and counted against coverage; they are not passes. Review them by hand.</p>\n<table><thead><tr><th>Check</th><th>Severity</th><th>Why it could not be assessed</th><th>What to review by hand</th></tr></thead><tbody>\n'
        for l_1_c in (undefined(name='not_assessable') if l_0_not_assessable is missing else l_0_not_assessable):
            _loop_vars = {}
            pass
            yield '<tr><td><code>'
            yield escape(environment.finalize(environment.getattr(l_1_c, 'id')))
            yield '</code><br>'
            yield escape(environment.finalize(environment.getattr(l_1_c, 'title')))
            yield '</td><td><span class="badge '
            yield escape(environment.finalize(environment.getattr(environment.getattr(l_1_c, 'severity'), 'value')))
            yield '">'
            yield escape(environment.finalize(environment.getattr(environment.getattr(l_1_c, 'severity'), 'value')))
            yield '</span></td><td>'
            yield escape(environment.finalize(t_2(environment.getattr(l_1_c, 'reason'))))
            yield '</td><td>'
            yield escape(environment.finalize(t_2(environment.getattr(l_1_c, 'remediation'))))
            yield '</td></tr>\n'
        l_1_c = missing
        yield '</tbody></table>'
    else:
        pass
        yield '<p>Every check could be assessed.</p>'
    l_0_partial = (undefined(name='unjudged_by_check') if l_0_unjudged_by_check is missing else l_0_unjudged_by_check)
    context.vars['partial'] = l_0_partial
    context.exported_vars.add('partial')
    if (undefined(name='partial') if l_0_partial is missing else l_0_partial):
        pass
        yield '<h3>Resources that could not be judged</h3>\n<table><thead><tr><th>Check</th><th>Resource</th><th>Why</th></tr></thead><tbody>\n'
        for (l_1_cid, l_1_fs) in context.call(environment.getattr((undefined(name='partial') if l_0_partial is missing else l_0_partial), 'items')):
            _loop_vars = {}
            pass
            for l_2_f in l_1_fs:
                _loop_vars = {}
                pass
                yield '<tr><td><code>'
                yield escape(environment.finalize(l_1_cid))
                yield '</code></td><td>'
                yield escape(environment.finalize(context.call(environment.getattr(environment.getattr(l_2_f, 'resource'), 'label'), _loop_vars=_loop_vars)))
                if environment.getattr(l_2_f, 'container'):
                    pass
                    yield ' (container '
                    yield escape(environment.finalize(environment.getattr(l_2_f, 'container')))
                    yield ')'
                yield '</td><td>'
                yield escape(environment.finalize((environment.getattr(l_2_f, 'reason') or environment.getattr(l_2_f, 'message'))))
                yield '</td></tr>\n'
            l_2_f = missing
        l_1_cid = l_1_fs = missing
        yield '</tbody></table>'
    yield '</section>\n\n<section id="methodology" class="part">\n<h2>Methodology</h2>\n<h3>Sources</h3>\n<ul>'
    for (l_1_name, l_1_what) in (undefined(name='sources') if l_0_sources is missing else l_0_sources):
        _loop_vars = {}
        pass
        yield '<li><b>'
        yield escape(environment.finalize(l_1_name))
        yield '</b>: '
        yield escape(environment.finalize(l_1_what))
        yield '.</li>'
    l_1_name = l_1_what = missing
    yield "</ul>\n<h3>What was read, and with which permissions</h3>\n<p>k8saudit only reads. This scan's source: <b>"
    yield escape(environment.finalize(environment.getattr(environment.getattr((undefined(name='report') if l_0_report is missing else l_0_report), 'cluster'), 'source')))
    yield '</b>'
    if (environment.getattr(environment.getattr((undefined(name='report') if l_0_report is missing else l_0_report), 'cluster'), 'source') == 'live'):
        pass
        yield ' (the Kubernetes API'
        if environment.getattr(environment.getattr((undefined(name='report') if l_0_report is missing else l_0_report), 'cluster'), 'server'):
            pass
            yield ' at '
            yield escape(environment.finalize(environment.getattr(environment.getattr((undefined(name='report') if l_0_report is missing else l_0_report), 'cluster'), 'server')))
        yield ')'
    elif (environment.getattr(environment.getattr((undefined(name='report') if l_0_report is missing else l_0_report), 'cluster'), 'source') == 'snapshot'):
        pass
        yield ' (a snapshot written by <code>k8saudit collect</code> or <code>kubectl get -o json</code>)'
    elif (environment.getattr(environment.getattr((undefined(name='report') if l_0_report is missing else l_0_report), 'cluster'), 'source') == 'manifests'):
        pass
        yield ' (manifest files: findings carry their file and line)'
    yield '. A live scan asks for:</p>\n<table><thead><tr><th>Request</th><th>Why</th></tr></thead><tbody>\n'
    for (l_1_verb, l_1_why) in (undefined(name='permissions') if l_0_permissions is missing else l_0_permissions):
        _loop_vars = {}
        pass
        yield '<tr><td><code>'
        yield escape(environment.finalize(l_1_verb))
        yield '</code></td><td>'
        yield escape(environment.finalize(l_1_why))
        yield '</td></tr>\n'
    l_1_verb = l_1_why = missing
    yield '</tbody></table>\n<p>Values of environment variables, Secrets, tokens and ConfigMaps are never collected: evidence names the field and, for credentials, only why it looked like one.</p>\n<details class="all"><summary>The '
    yield escape(environment.finalize(t_5(environment.getattr((undefined(name='cov') if l_0_cov is missing else l_0_cov), 'inputs'))))
    yield ' inputs the checks read, and what the source gave</summary>\n<table><thead><tr><th>Input</th><th>Status</th><th class="num">Objects</th><th>Why not</th></tr></thead><tbody>\n'
    for l_1_i in environment.getattr((undefined(name='cov') if l_0_cov is missing else l_0_cov), 'inputs'):
        _loop_vars = {}
        pass
        yield '<tr><td><code>'
        yield escape(environment.finalize(environment.getattr(l_1_i, 'name')))
        yield '</code></td><td><span class="status '
        yield escape(environment.finalize(('pass' if (environment.getattr(l_1_i, 'status') == 'ok') else 'not-assessable')))
        yield '">'
        yield escape(environment.finalize(environment.getattr(l_1_i, 'status')))
        yield '</span></td><td class="num">'
        yield escape(environment.finalize((environment.getattr(l_1_i, 'count') if environment.getattr(l_1_i, 'count') else '')))
        yield '</td><td>'
        yield escape(environment.finalize((environment.getattr(l_1_i, 'reason') or '')))
        yield '</td></tr>\n'
    l_1_i = missing
    yield '</tbody></table>\n</details>\n<h3>What a finding means</h3>\n<ul>\n<li><span class="status fail">fail</span>: the check saw its input and this resource (or the cluster) does not meet it; the evidence names the field and the value seen.</li>\n<li><span class="status exempt">exempt</span>: a failure an exemption covers (config file, annotation, or a documented default); listed with who, why and until when, and left out of the score.</li>\n<li><span class="status not-assessable">not-assessable</span>: the check could not see its input (forbidden, not served, hidden by a managed control plane, not collected); left out of the score and counted against coverage, never reported as a pass.</li>\n<li><span class="status pass">pass</span>: resources that pass are counted per check, not listed.</li>\n</ul>\n<h3>Scoring</h3>\n<p class="formula">score = 100 × Σ (weight(check) × passed/judged) / Σ weight(check)</p>\n<p>over the assessed checks, where <i>passed/judged</i> is the share of the resources a check judged that passed (a cluster-level check is 0 or 1). Weights: '
    l_1_loop = missing
    for (l_1_sev, l_1_w), l_1_loop in LoopContext((undefined(name='weights') if l_0_weights is missing else l_0_weights), undefined):
        _loop_vars = {}
        pass
        yield escape(environment.finalize(l_1_sev))
        yield ' '
        yield escape(environment.finalize(l_1_w))
        yield escape(environment.finalize((', ' if (not environment.getattr(l_1_loop, 'last')) else cond_expr_undefined("the inline if-expression on line 252 in 'report.html' evaluated to false and no else section was defined."))))
    l_1_loop = l_1_sev = l_1_w = missing
    yield ". Not-assessable checks and exempt results are left out; a check whose every result is exempt does not count. Section scores use the same formula over the section's checks. Grades: "
    for (l_1_floor, l_1_letter) in (undefined(name='grades') if l_0_grades is missing else l_0_grades):
        _loop_vars = {}
        pass
        yield escape(environment.finalize(l_1_letter))
        yield ' ≥ '
        yield escape(environment.finalize(t_3('%.0f', l_1_floor)))
        yield ', '
    l_1_floor = l_1_letter = missing
    yield 'F below; n/a when nothing could be scored. The same inventory always gets the same score.</p>\n</section>\n<footer>Generated '
    yield escape(environment.finalize(environment.getattr((undefined(name='report') if l_0_report is missing else l_0_report), 'generatedAt')))
    yield ' by '
    yield escape(environment.finalize(environment.getattr((undefined(name='report') if l_0_report is missing else l_0_report), 'tool')))
    yield '. This page is self-contained: it loads nothing from anywhere, and works without JavaScript (which only adds the filters).</footer>\n</main>\n<script id="k8saudit-filters">'
    yield escape(environment.finalize(t_6(environment.getattr((undefined(name='assets') if l_0_assets is missing else l_0_assets), 'js'))))
    yield '</script>\n</body>\n</html>\n'

blocks = {}
debug_info = '5=76&8=78&9=80&10=82&13=84&14=87&17=91&18=93&24=97&25=101&26=103&27=113&28=115&35=119&37=131&38=143&42=149&43=155&44=161&45=167&46=178&52=191&53=193&54=195&55=197&56=199&57=201&58=203&59=215&60=217&61=219&68=223&69=226&74=255&79=259&85=263&86=266&89=269&90=278&91=293&92=299&94=302&96=323&98=326&106=352&115=380&119=391&120=395&121=397&122=399&123=401&124=409&125=417&126=423&127=426&128=436&130=457&135=463&137=469&138=471&139=476&144=500&146=502&155=531&156=534&157=537&158=545&159=550&160=553&161=557&163=582&164=585&165=603&166=606&172=621&173=624&176=631&177=642&178=654&179=658&180=660&181=671&182=687&186=708&189=711&190=714&197=739&198=757&200=780&201=783&203=813&204=816&206=838&207=841&208=886&209=889&210=891&211=894&217=912&219=915&221=936&222=939&224=942&231=964&233=974&235=991&238=1001&240=1003&252=1020&254=1038&256=1042'
# report.html (sha256 4dec51c553a24ac7eac4cab48ddca11179a8f81f16fd8f0f84debd8652e4557f) compiled by Jinja 3.1.6; written by `python -m k8saudit.report`: do not edit
