from jinja2.runtime import LoopContext, Macro, Markup, Namespace, TemplateNotFound, TemplateReference, TemplateRuntimeError, Undefined, escape, identity, internalcode, markup_join, missing, str_join
name = 'report.md'

def root(context, missing=missing, environment=environment):
    resolve = context.resolve_or_missing
    undefined = environment.undefined
    concat = environment.concat
    cond_expr_undefined = Undefined
    if 0: yield None
    l_0_cluster_name = resolve('cluster_name')
    l_0_report = resolve('report')
    l_0_failing_total = resolve('failing_total')
    l_0_status_counts = resolve('status_counts')
    l_0_exempt = resolve('exempt')
    l_0_severities = resolve('severities')
    l_0_not_assessable = resolve('not_assessable')
    l_0_scope = resolve('scope')
    l_0_top_risks = resolve('top_risks')
    l_0_sections = resolve('sections')
    l_0_section_views = resolve('section_views')
    l_0_local = resolve('local')
    l_0_counts = resolve('counts')
    l_0_expired = resolve('expired')
    l_0_unjudged_by_check = resolve('unjudged_by_check')
    l_0_sources = resolve('sources')
    l_0_permissions = resolve('permissions')
    l_0_weights = resolve('weights')
    l_0_grades = resolve('grades')
    l_0_cov = l_0_since = l_0_review = l_0_cfg = missing
    try:
        t_1 = environment.filters['bar']
    except KeyError:
        @internalcode
        def t_1(*unused):
            raise TemplateRuntimeError("No filter named 'bar' found.")
    try:
        t_2 = environment.filters['fence']
    except KeyError:
        @internalcode
        def t_2(*unused):
            raise TemplateRuntimeError("No filter named 'fence' found.")
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
        t_6 = environment.filters['map']
    except KeyError:
        @internalcode
        def t_6(*unused):
            raise TemplateRuntimeError("No filter named 'map' found.")
    try:
        t_7 = environment.filters['md']
    except KeyError:
        @internalcode
        def t_7(*unused):
            raise TemplateRuntimeError("No filter named 'md' found.")
    try:
        t_8 = environment.filters['upper']
    except KeyError:
        @internalcode
        def t_8(*unused):
            raise TemplateRuntimeError("No filter named 'upper' found.")
    try:
        t_9 = environment.tests['none']
    except KeyError:
        @internalcode
        def t_9(*unused):
            raise TemplateRuntimeError("No test named 'none' found.")
    pass
    yield '# k8saudit posture report: '
    yield str(environment.finalize(t_7((undefined(name='cluster_name') if l_0_cluster_name is missing else l_0_cluster_name))))
    yield '\n\n'
    l_0_cov = environment.getattr((undefined(name='report') if l_0_report is missing else l_0_report), 'coverage')
    context.vars['cov'] = l_0_cov
    context.exported_vars.add('cov')
    yield '**Score '
    yield str(environment.finalize((t_3('%.1f', environment.getattr((undefined(name='report') if l_0_report is missing else l_0_report), 'score')) if (not t_9(environment.getattr((undefined(name='report') if l_0_report is missing else l_0_report), 'score'))) else 'n/a')))
    yield ' / 100 · grade '
    yield str(environment.finalize(environment.getattr((undefined(name='report') if l_0_report is missing else l_0_report), 'grade')))
    yield '** · coverage '
    yield str(environment.finalize(environment.getattr((undefined(name='cov') if l_0_cov is missing else l_0_cov), 'assessed')))
    yield ' of '
    yield str(environment.finalize(environment.getattr((undefined(name='cov') if l_0_cov is missing else l_0_cov), 'checks')))
    yield ' checks ('
    yield str(environment.finalize(t_3('%.0f', (environment.getattr((undefined(name='cov') if l_0_cov is missing else l_0_cov), 'ratio') * 100))))
    yield '%) · '
    yield str(environment.finalize((undefined(name='failing_total') if l_0_failing_total is missing else l_0_failing_total)))
    yield ' failing findings in '
    yield str(environment.finalize(environment.getitem((undefined(name='status_counts') if l_0_status_counts is missing else l_0_status_counts), 'fail')))
    yield ' checks · '
    yield str(environment.finalize(t_5((undefined(name='exempt') if l_0_exempt is missing else l_0_exempt))))
    yield ' exempt\n\n| Critical | High | Medium | Low | Info | Exempt | Checks not assessable |\n|---:|---:|---:|---:|---:|---:|---:|\n| '
    for l_1_sev in (undefined(name='severities') if l_0_severities is missing else l_0_severities):
        _loop_vars = {}
        pass
        yield str(environment.finalize(context.call(environment.getattr(environment.getattr((undefined(name='report') if l_0_report is missing else l_0_report), 'counts'), 'get'), environment.getattr(l_1_sev, 'value'), 0, _loop_vars=_loop_vars)))
        yield ' | '
    l_1_sev = missing
    yield str(environment.finalize(t_5((undefined(name='exempt') if l_0_exempt is missing else l_0_exempt))))
    yield ' | '
    yield str(environment.finalize(t_5((undefined(name='not_assessable') if l_0_not_assessable is missing else l_0_not_assessable))))
    yield ' |\n\n| | |\n|---|---|\n| Cluster | '
    yield str(environment.finalize(t_7((undefined(name='cluster_name') if l_0_cluster_name is missing else l_0_cluster_name))))
    yield ' |\n| API server | '
    yield str(environment.finalize(t_7((environment.getattr(environment.getattr((undefined(name='report') if l_0_report is missing else l_0_report), 'cluster'), 'server') or '—'))))
    yield ' |\n| Server version | '
    yield str(environment.finalize(t_7((environment.getattr(environment.getattr((undefined(name='report') if l_0_report is missing else l_0_report), 'cluster'), 'version') or 'unknown'))))
    yield ' |\n| Platform | '
    yield str(environment.finalize(t_7((environment.getattr(environment.getattr((undefined(name='report') if l_0_report is missing else l_0_report), 'cluster'), 'platform') or 'unknown'))))
    yield ' |\n| Source | '
    yield str(environment.finalize(t_7(environment.getattr(environment.getattr((undefined(name='report') if l_0_report is missing else l_0_report), 'cluster'), 'source'))))
    yield ' |\n| Scope | '
    yield str(environment.finalize(t_7((undefined(name='scope') if l_0_scope is missing else l_0_scope))))
    yield ' |\n| Inventory | '
    yield str(environment.finalize(environment.getattr(environment.getattr((undefined(name='report') if l_0_report is missing else l_0_report), 'cluster'), 'namespaces')))
    yield ' namespaces, '
    yield str(environment.finalize(environment.getattr(environment.getattr((undefined(name='report') if l_0_report is missing else l_0_report), 'cluster'), 'workloads')))
    yield ' workloads, '
    yield str(environment.finalize(environment.getattr(environment.getattr((undefined(name='report') if l_0_report is missing else l_0_report), 'cluster'), 'pods')))
    yield ' pods'
    if (not t_9(environment.getattr((undefined(name='report') if l_0_report is missing else l_0_report), 'nodes'))):
        pass
        yield ', '
        yield str(environment.finalize(t_5(environment.getattr((undefined(name='report') if l_0_report is missing else l_0_report), 'nodes'))))
        yield ' nodes'
    yield ' |\n| Collected | '
    yield str(environment.finalize(t_7((environment.getattr(environment.getattr((undefined(name='report') if l_0_report is missing else l_0_report), 'cluster'), 'collectedAt') or '—'))))
    yield ' |\n| Generated | '
    yield str(environment.finalize(t_7(environment.getattr((undefined(name='report') if l_0_report is missing else l_0_report), 'generatedAt'))))
    yield ' by '
    yield str(environment.finalize(t_7(environment.getattr((undefined(name='report') if l_0_report is missing else l_0_report), 'tool'))))
    yield ' (report schema '
    yield str(environment.finalize(t_7(environment.getattr((undefined(name='report') if l_0_report is missing else l_0_report), 'schemaVersion'))))
    yield ') |\n\n## Top risks\n\n'
    l_1_loop = missing
    t_10 = 1
    for l_1_r, l_1_loop in LoopContext((undefined(name='top_risks') if l_0_top_risks is missing else l_0_top_risks), undefined):
        _loop_vars = {}
        pass
        yield str(environment.finalize(environment.getattr(l_1_loop, 'index')))
        yield '. **'
        yield str(environment.finalize(t_8(environment.getattr(environment.getattr(environment.getattr(l_1_r, 'check'), 'severity'), 'value'))))
        yield '** '
        yield str(environment.finalize(t_7(environment.getattr(environment.getattr(l_1_r, 'check'), 'title'))))
        yield ' ('
        yield str(environment.finalize(t_7(environment.getattr(environment.getattr(l_1_r, 'check'), 'id'))))
        yield '): '
        yield str(environment.finalize(t_5(environment.getattr(l_1_r, 'findings'))))
        yield ' failing: '
        yield str(environment.finalize(t_7(t_4(context.eval_ctx, environment.getattr(l_1_r, 'shown'), ', '))))
        if environment.getattr(l_1_r, 'more'):
            pass
            yield ' and '
            yield str(environment.finalize(environment.getattr(l_1_r, 'more')))
            yield ' more'
        yield '\n'
        t_10 = 0
    l_1_loop = l_1_r = missing
    if t_10:
        pass
        yield 'No failing checks.\n'
    yield '\n'
    l_0_since = environment.getattr((undefined(name='report') if l_0_report is missing else l_0_report), 'sinceLastScan')
    context.vars['since'] = l_0_since
    context.exported_vars.add('since')
    if (undefined(name='since') if l_0_since is missing else l_0_since):
        pass
        yield '## Since last scan\n\nCompared with the scan of '
        yield str(environment.finalize(t_7(environment.getattr(environment.getattr((undefined(name='since') if l_0_since is missing else l_0_since), 'baseline'), 'generatedAt'))))
        if environment.getattr(environment.getattr((undefined(name='since') if l_0_since is missing else l_0_since), 'baseline'), 'file'):
            pass
            yield ' ('
            yield str(environment.finalize(t_7(environment.getattr(environment.getattr((undefined(name='since') if l_0_since is missing else l_0_since), 'baseline'), 'file'))))
            yield ')'
        yield ': score '
        yield str(environment.finalize((environment.getattr(environment.getattr((undefined(name='since') if l_0_since is missing else l_0_since), 'baseline'), 'score') if (not t_9(environment.getattr(environment.getattr((undefined(name='since') if l_0_since is missing else l_0_since), 'baseline'), 'score'))) else 'n/a')))
        yield ' → '
        yield str(environment.finalize((environment.getattr((undefined(name='since') if l_0_since is missing else l_0_since), 'score') if (not t_9(environment.getattr((undefined(name='since') if l_0_since is missing else l_0_since), 'score'))) else 'n/a')))
        if (not t_9(environment.getattr((undefined(name='since') if l_0_since is missing else l_0_since), 'scoreChange'))):
            pass
            yield ' ('
            yield str(environment.finalize(t_3('%+.1f', environment.getattr((undefined(name='since') if l_0_since is missing else l_0_since), 'scoreChange'))))
            yield ')'
        yield ', grade '
        yield str(environment.finalize(environment.getattr(environment.getattr((undefined(name='since') if l_0_since is missing else l_0_since), 'baseline'), 'grade')))
        yield ' → '
        yield str(environment.finalize(environment.getattr((undefined(name='since') if l_0_since is missing else l_0_since), 'grade')))
        yield '; **'
        yield str(environment.finalize(t_5(environment.getattr((undefined(name='since') if l_0_since is missing else l_0_since), 'new'))))
        yield ' new**, '
        yield str(environment.finalize(t_5(environment.getattr((undefined(name='since') if l_0_since is missing else l_0_since), 'resolved'))))
        yield ' resolved, '
        yield str(environment.finalize(environment.getattr((undefined(name='since') if l_0_since is missing else l_0_since), 'stillFailing')))
        yield ' still failing.\n\n'
        l_1_loop = missing
        for l_1_c, l_1_loop in LoopContext(environment.getattr((undefined(name='since') if l_0_since is missing else l_0_since), 'new'), undefined):
            _loop_vars = {}
            pass
            if environment.getattr(l_1_loop, 'first'):
                pass
                yield '| New | Check | Resource | Finding |\n|---|---|---|---|\n'
            yield '| '
            yield str(environment.finalize(environment.getattr(environment.getattr(l_1_c, 'severity'), 'value')))
            yield ' | '
            yield str(environment.finalize(t_7(environment.getattr(l_1_c, 'check'))))
            yield ' | '
            yield str(environment.finalize(t_7((context.call(environment.getattr(environment.getattr(l_1_c, 'resource'), 'label'), _loop_vars=_loop_vars) if environment.getattr(l_1_c, 'resource') else 'cluster'))))
            if environment.getattr(l_1_c, 'container'):
                pass
                yield ' ('
                yield str(environment.finalize(t_7(environment.getattr(l_1_c, 'container'))))
                yield ')'
            yield ' | '
            yield str(environment.finalize(t_7(environment.getattr(l_1_c, 'message'))))
            yield ' |\n'
        l_1_loop = l_1_c = missing
        l_1_loop = missing
        for l_1_c, l_1_loop in LoopContext(environment.getattr((undefined(name='since') if l_0_since is missing else l_0_since), 'resolved'), undefined):
            _loop_vars = {}
            pass
            if environment.getattr(l_1_loop, 'first'):
                pass
                yield '\n| Resolved | Check | Resource | Now |\n|---|---|---|---|\n'
            yield '| '
            yield str(environment.finalize(environment.getattr(environment.getattr(l_1_c, 'severity'), 'value')))
            yield ' | '
            yield str(environment.finalize(t_7(environment.getattr(l_1_c, 'check'))))
            yield ' | '
            yield str(environment.finalize(t_7((context.call(environment.getattr(environment.getattr(l_1_c, 'resource'), 'label'), _loop_vars=_loop_vars) if environment.getattr(l_1_c, 'resource') else 'cluster'))))
            if environment.getattr(l_1_c, 'container'):
                pass
                yield ' ('
                yield str(environment.finalize(t_7(environment.getattr(l_1_c, 'container'))))
                yield ')'
            yield ' | '
            yield str(environment.finalize(t_7((environment.getattr(l_1_c, 'now') or ''))))
            if (environment.getattr(l_1_c, 'now') == 'not-assessable'):
                pass
                yield ' (not a fix: the check could not look)'
            yield ' |\n'
        l_1_loop = l_1_c = missing
        yield '\n'
    yield '## Sections\n\n| Section | Score | | Checks assessed | Failing checks |\n|---|---:|---|---:|---:|\n'
    for l_1_s in (undefined(name='sections') if l_0_sections is missing else l_0_sections):
        _loop_vars = {}
        pass
        yield '| '
        yield str(environment.finalize(t_7(environment.getattr(l_1_s, 'title'))))
        yield ' | '
        yield str(environment.finalize((t_3('%.1f', environment.getattr(l_1_s, 'score')) if (not t_9(environment.getattr(l_1_s, 'score'))) else 'n/a')))
        yield ' | '
        yield str(environment.finalize(t_1(environment.getattr(l_1_s, 'score'))))
        yield ' | '
        yield str(environment.finalize(environment.getattr(l_1_s, 'assessed')))
        yield '/'
        yield str(environment.finalize(environment.getattr(l_1_s, 'checks')))
        yield ' | '
        yield str(environment.finalize(environment.getattr(l_1_s, 'failed')))
        yield ' |\n'
    l_1_s = missing
    yield '\n## Findings\n\n'
    for l_1_v in (undefined(name='section_views') if l_0_section_views is missing else l_0_section_views):
        _loop_vars = {}
        pass
        yield '### '
        yield str(environment.finalize(t_7(environment.getattr(environment.getattr(l_1_v, 'score'), 'title'))))
        yield ' ('
        yield str(environment.finalize((t_3('%.1f', environment.getattr(environment.getattr(l_1_v, 'score'), 'score')) if (not t_9(environment.getattr(environment.getattr(l_1_v, 'score'), 'score'))) else 'n/a')))
        yield ')\n\n'
        t_11 = 1
        for l_2_c in environment.getattr(l_1_v, 'failing'):
            l_2_failures_by_check = resolve('failures_by_check')
            l_2_finding_rows = resolve('finding_rows')
            l_2_fs = missing
            _loop_vars = {}
            pass
            l_2_fs = environment.getitem((undefined(name='failures_by_check') if l_2_failures_by_check is missing else l_2_failures_by_check), environment.getattr(l_2_c, 'id'))
            _loop_vars['fs'] = l_2_fs
            yield '#### '
            yield str(environment.finalize(t_8(environment.getattr(environment.getattr(l_2_c, 'severity'), 'value'))))
            yield ' · '
            yield str(environment.finalize(t_7(environment.getattr(l_2_c, 'id'))))
            yield ': '
            yield str(environment.finalize(t_7(environment.getattr(l_2_c, 'title'))))
            yield '\n\n'
            yield str(environment.finalize(t_5((undefined(name='fs') if l_2_fs is missing else l_2_fs))))
            yield ' failing'
            if environment.getattr(l_2_c, 'passed'):
                pass
                yield ', '
                yield str(environment.finalize(environment.getattr(l_2_c, 'passed')))
                yield ' passed'
            if environment.getattr(l_2_c, 'exempt'):
                pass
                yield ', '
                yield str(environment.finalize(environment.getattr(l_2_c, 'exempt')))
                yield ' exempt'
            yield '. '
            yield str(environment.finalize(t_7((environment.getattr(l_2_c, 'rationale') or ''))))
            yield '\n\n| Resource | Container | Finding | Evidence |\n|---|---|---|---|\n'
            for l_3_rows in context.call((undefined(name='finding_rows') if l_2_finding_rows is missing else l_2_finding_rows), (undefined(name='fs') if l_2_fs is missing else l_2_fs), _loop_vars=_loop_vars):
                _loop_vars = {}
                pass
                yield str(environment.finalize(l_3_rows))
            l_3_rows = missing
            yield '\nRemediation: '
            yield str(environment.finalize(t_7((environment.getattr(l_2_c, 'remediation') or environment.getattr(environment.getitem((undefined(name='fs') if l_2_fs is missing else l_2_fs), 0), 'remediation')))))
            yield '\n\n'
            if environment.getattr(l_2_c, 'fix'):
                pass
                yield str(environment.finalize(t_2(environment.getattr(l_2_c, 'fix'), 'yaml')))
                yield '\n\n'
            t_11 = 0
        l_2_c = l_2_failures_by_check = l_2_fs = l_2_finding_rows = missing
        if t_11:
            pass
            yield 'No failing checks in this section.\n\n'
    l_1_v = missing
    yield '## Access review\n\n'
    l_0_review = environment.getattr((undefined(name='report') if l_0_report is missing else l_0_report), 'accessReview')
    context.vars['review'] = l_0_review
    context.exported_vars.add('review')
    if t_9((undefined(name='review') if l_0_review is missing else l_0_review)):
        pass
        yield 'Not computed.\n'
    elif (environment.getattr((undefined(name='review') if l_0_review is missing else l_0_review), 'status') == 'not-assessable'):
        pass
        yield 'Not assessable: '
        yield str(environment.finalize(t_7((environment.getattr((undefined(name='review') if l_0_review is missing else l_0_review), 'reason') or ''))))
        yield '\n'
    else:
        pass
        yield "Who holds each risky permission beyond a team's own namespace (cluster-wide, in kube-system, or as a group meaning everyone), and through which binding; a holder of every verb on every resource is listed once. `k8saudit who-can` answers one question at a time."
        if (environment.getattr((undefined(name='review') if l_0_review is missing else l_0_review), 'status') == 'partial'):
            pass
            yield ' **Incomplete:** '
            yield str(environment.finalize(t_7((environment.getattr((undefined(name='review') if l_0_review is missing else l_0_review), 'reason') or ''))))
        yield '\n\n'
        l_1_loop = missing
        t_12 = 1
        for (l_1_p, l_1_h), l_1_loop in LoopContext(context.call(environment.getattr((undefined(name='review') if l_0_review is missing else l_0_review), 'rows')), undefined):
            _loop_vars = {}
            pass
            if environment.getattr(l_1_loop, 'first'):
                pass
                yield '| Permission | Subject | Where | Through |\n|---|---|---|---|\n'
            yield '| '
            yield str(environment.finalize(t_7(environment.getattr(l_1_p, 'title'))))
            yield ' | '
            yield str(environment.finalize(t_7(context.call(environment.getattr(environment.getattr(l_1_h, 'subject'), 'label'), _loop_vars=_loop_vars))))
            yield ' | '
            yield str(environment.finalize(t_7(context.call(environment.getattr(l_1_h, 'where'), _loop_vars=_loop_vars))))
            yield ' | '
            yield str(environment.finalize(t_7(t_4(context.eval_ctx, context.call(environment.getattr(l_1_h, 'via'), _loop_vars=_loop_vars), '; '))))
            yield ' |\n'
            t_12 = 0
        l_1_loop = l_1_p = l_1_h = missing
        if t_12:
            pass
            yield 'No subject beyond the built-in defaults holds a risky permission.\n'
        l_0_local = context.call(environment.getattr((undefined(name='review') if l_0_review is missing else l_0_review), 'namespaced_counts'))
        context.vars['local'] = l_0_local
        context.exported_vars.add('local')
        if (undefined(name='local') if l_0_local is missing else l_0_local):
            pass
            yield '\nHeld only within their own namespaces, through RoleBindings (counted, not listed; `k8saudit who-can VERB RESOURCE -A` lists them): '
            l_1_loop = missing
            for (l_1_title, l_1_n, l_1_ns), l_1_loop in LoopContext((undefined(name='local') if l_0_local is missing else l_0_local), undefined):
                _loop_vars = {}
                pass
                yield str(environment.finalize(t_7(l_1_title)))
                yield ' ('
                yield str(environment.finalize(l_1_n))
                yield ' in '
                yield str(environment.finalize(l_1_ns))
                yield ' namespace'
                yield str(environment.finalize(('s' if (l_1_ns != 1) else cond_expr_undefined("the inline if-expression on line 113 in 'report.md' evaluated to false and no else section was defined."))))
                yield ')'
                yield str(environment.finalize((', ' if (not environment.getattr(l_1_loop, 'last')) else cond_expr_undefined("the inline if-expression on line 113 in 'report.md' evaluated to false and no else section was defined."))))
            l_1_loop = l_1_title = l_1_n = l_1_ns = missing
            yield '.\n'
        l_0_counts = context.call(environment.getattr((undefined(name='review') if l_0_review is missing else l_0_review), 'built_in_counts'))
        context.vars['counts'] = l_0_counts
        context.exported_vars.add('counts')
        if (undefined(name='counts') if l_0_counts is missing else l_0_counts):
            pass
            yield '\nAlso held by built-in system identities (listed in report.json): '
            l_1_loop = missing
            for (l_1_title, l_1_n), l_1_loop in LoopContext((undefined(name='counts') if l_0_counts is missing else l_0_counts), undefined):
                _loop_vars = {}
                pass
                yield str(environment.finalize(t_7(l_1_title)))
                yield ' ('
                yield str(environment.finalize(l_1_n))
                yield ')'
                yield str(environment.finalize((', ' if (not environment.getattr(l_1_loop, 'last')) else cond_expr_undefined("the inline if-expression on line 118 in 'report.md' evaluated to false and no else section was defined."))))
            l_1_loop = l_1_title = l_1_n = missing
            yield '.\n'
    yield '\n## Pod Security readiness\n\n'
    if t_9(environment.getattr((undefined(name='report') if l_0_report is missing else l_0_report), 'podSecurity')):
        pass
        yield 'Not computed.\n'
    else:
        pass
        l_1_loop = missing
        t_13 = 1
        for l_1_n, l_1_loop in LoopContext(environment.getattr((undefined(name='report') if l_0_report is missing else l_0_report), 'podSecurity'), undefined):
            l_1_breaking_shown = resolve('breaking_shown')
            l_1_broken = missing
            _loop_vars = {}
            pass
            if environment.getattr(l_1_loop, 'first'):
                pass
                yield '| Namespace | Enforce | Audit / warn | Workloads | Meet privileged / baseline / restricted | Baseline today | Restricted today | Would break under restricted |\n|---|---|---|---:|---|---|---|---|\n'
            l_1_broken = (environment.getattr(l_1_n, 'wouldBreakRestricted') or [])
            _loop_vars['broken'] = l_1_broken
            yield '| '
            yield str(environment.finalize(t_7(environment.getattr(l_1_n, 'namespace'))))
            yield str(environment.finalize((' (system)' if environment.getattr(l_1_n, 'system') else cond_expr_undefined("the inline if-expression on line 133 in 'report.md' evaluated to false and no else section was defined."))))
            yield ' | '
            yield str(environment.finalize(t_7(((environment.getattr(environment.getattr(l_1_n, 'enforce'), 'level') or 'unset') if environment.getattr(l_1_n, 'labelsKnown') else 'unknown'))))
            yield ' | '
            yield str(environment.finalize(t_7((environment.getattr(environment.getattr(l_1_n, 'audit'), 'level') or 'unset'))))
            yield ' / '
            yield str(environment.finalize(t_7((environment.getattr(environment.getattr(l_1_n, 'warn'), 'level') or 'unset'))))
            yield ' | '
            yield str(environment.finalize((environment.getattr(l_1_n, 'workloads') if environment.getattr(l_1_n, 'workloadsKnown') else '?')))
            yield ' | '
            if environment.getattr(l_1_n, 'workloadsKnown'):
                pass
                yield str(environment.finalize(context.call(environment.getattr(environment.getattr(l_1_n, 'levels'), 'get'), 'privileged', 0, _loop_vars=_loop_vars)))
                yield ' / '
                yield str(environment.finalize(context.call(environment.getattr(environment.getattr(l_1_n, 'levels'), 'get'), 'baseline', 0, _loop_vars=_loop_vars)))
                yield ' / '
                yield str(environment.finalize(context.call(environment.getattr(environment.getattr(l_1_n, 'levels'), 'get'), 'restricted', 0, _loop_vars=_loop_vars)))
            else:
                pass
                yield 'unknown'
            yield ' | '
            yield str(environment.finalize(('unknown' if t_9(environment.getattr(l_1_n, 'canEnforceBaseline')) else ('yes' if environment.getattr(l_1_n, 'canEnforceBaseline') else 'no'))))
            yield ' | '
            yield str(environment.finalize(('unknown' if t_9(environment.getattr(l_1_n, 'canEnforceRestricted')) else ('yes' if environment.getattr(l_1_n, 'canEnforceRestricted') else 'no'))))
            yield ' | '
            yield str(environment.finalize(t_7(t_4(context.eval_ctx, t_6(context, (undefined(name='broken') if l_1_broken is missing else l_1_broken)[:(undefined(name='breaking_shown') if l_1_breaking_shown is missing else l_1_breaking_shown)], attribute='workload'), ', '))))
            if (t_5((undefined(name='broken') if l_1_broken is missing else l_1_broken)) > (undefined(name='breaking_shown') if l_1_breaking_shown is missing else l_1_breaking_shown)):
                pass
                yield ' and '
                yield str(environment.finalize((t_5((undefined(name='broken') if l_1_broken is missing else l_1_broken)) - (undefined(name='breaking_shown') if l_1_breaking_shown is missing else l_1_breaking_shown))))
                yield ' more'
            yield ' |\n'
            t_13 = 0
        l_1_loop = l_1_n = l_1_broken = l_1_breaking_shown = missing
        if t_13:
            pass
            yield 'No namespace in scope.\n'
    if (not t_9(environment.getattr((undefined(name='report') if l_0_report is missing else l_0_report), 'nodes'))):
        pass
        yield '\n## Nodes\n\n'
        l_1_loop = missing
        t_14 = 1
        for l_1_n, l_1_loop in LoopContext(environment.getattr((undefined(name='report') if l_0_report is missing else l_0_report), 'nodes'), undefined):
            _loop_vars = {}
            pass
            if environment.getattr(l_1_loop, 'first'):
                pass
                yield '| Node | Roles | Kubelet | Container runtime | OS image | Kernel | Arch |\n|---|---|---|---|---|---|---|\n'
            yield '| '
            yield str(environment.finalize(t_7(environment.getattr(l_1_n, 'name'))))
            yield ' | '
            yield str(environment.finalize(t_7((t_4(context.eval_ctx, environment.getattr(l_1_n, 'roles'), ', ') or '—'))))
            yield ' | '
            yield str(environment.finalize(t_7((environment.getattr(l_1_n, 'kubeletVersion') or '—'))))
            yield ' | '
            yield str(environment.finalize(t_7((environment.getattr(l_1_n, 'containerRuntime') or '—'))))
            yield ' | '
            yield str(environment.finalize(t_7((environment.getattr(l_1_n, 'osImage') or '—'))))
            yield ' | '
            yield str(environment.finalize(t_7((environment.getattr(l_1_n, 'kernelVersion') or '—'))))
            yield ' | '
            yield str(environment.finalize(t_7((environment.getattr(l_1_n, 'architecture') or '—'))))
            yield ' |\n'
            t_14 = 0
        l_1_loop = l_1_n = missing
        if t_14:
            pass
            yield 'No nodes.\n'
    yield '\n## Exemptions\n\n'
    l_0_cfg = environment.getattr((undefined(name='report') if l_0_report is missing else l_0_report), 'config')
    context.vars['cfg'] = l_0_cfg
    context.exported_vars.add('cfg')
    if (environment.getattr(environment.getattr((undefined(name='cfg') if l_0_cfg is missing else l_0_cfg), 'scope'), 'include') or environment.getattr(environment.getattr((undefined(name='cfg') if l_0_cfg is missing else l_0_cfg), 'scope'), 'exclude')):
        pass
        yield 'Scope: namespaces matching '
        yield str(environment.finalize(t_7((t_4(context.eval_ctx, environment.getattr(environment.getattr((undefined(name='cfg') if l_0_cfg is missing else l_0_cfg), 'scope'), 'include'), ', ') or '*'))))
        if environment.getattr(environment.getattr((undefined(name='cfg') if l_0_cfg is missing else l_0_cfg), 'scope'), 'exclude'):
            pass
            yield ', except '
            yield str(environment.finalize(t_7(t_4(context.eval_ctx, environment.getattr(environment.getattr((undefined(name='cfg') if l_0_cfg is missing else l_0_cfg), 'scope'), 'exclude'), ', '))))
        if environment.getattr(environment.getattr((undefined(name='cfg') if l_0_cfg is missing else l_0_cfg), 'scope'), 'excludedNamespaces'):
            pass
            yield ' (left out: '
            yield str(environment.finalize(t_7(t_4(context.eval_ctx, environment.getattr(environment.getattr((undefined(name='cfg') if l_0_cfg is missing else l_0_cfg), 'scope'), 'excludedNamespaces'), ', '))))
            yield ')'
        yield '; cluster-level findings are always kept.\n'
    else:
        pass
        yield 'Scope: every namespace.\n'
    yield 'Config file: '
    yield str(environment.finalize(t_7((environment.getattr((undefined(name='cfg') if l_0_cfg is missing else l_0_cfg), 'file') or 'none'))))
    yield '. Annotation exemptions: '
    yield str(environment.finalize(('honoured' if environment.getattr((undefined(name='cfg') if l_0_cfg is missing else l_0_cfg), 'annotationExemptions') else 'refused \\(--no-annotation-exemptions\\)')))
    yield '.'
    if environment.getattr((undefined(name='cfg') if l_0_cfg is missing else l_0_cfg), 'severityOverrides'):
        pass
        yield ' Severity overrides: '
        l_1_loop = missing
        for (l_1_id, l_1_sev), l_1_loop in LoopContext(context.call(environment.getattr(environment.getattr((undefined(name='cfg') if l_0_cfg is missing else l_0_cfg), 'severityOverrides'), 'items')), undefined):
            _loop_vars = {}
            pass
            yield str(environment.finalize(t_7(l_1_id)))
            yield ' → '
            yield str(environment.finalize(environment.getattr(l_1_sev, 'value')))
            yield str(environment.finalize((', ' if (not environment.getattr(l_1_loop, 'last')) else cond_expr_undefined("the inline if-expression on line 161 in 'report.md' evaluated to false and no else section was defined."))))
        l_1_loop = l_1_id = l_1_sev = missing
        yield '.'
    if environment.getattr((undefined(name='cfg') if l_0_cfg is missing else l_0_cfg), 'allowedRegistries'):
        pass
        yield ' Allowed registries: '
        yield str(environment.finalize(t_7(t_4(context.eval_ctx, environment.getattr((undefined(name='cfg') if l_0_cfg is missing else l_0_cfg), 'allowedRegistries'), ', '))))
        yield '.'
    yield '\n\n### Exempt findings\n\n'
    t_15 = 1
    for l_1_f in (undefined(name='exempt') if l_0_exempt is missing else l_0_exempt):
        _loop_vars = {}
        pass
        yield '- **'
        yield str(environment.finalize(t_7(environment.getattr(l_1_f, 'check'))))
        yield '** on '
        yield str(environment.finalize(t_7((context.call(environment.getattr(environment.getattr(l_1_f, 'resource'), 'label'), _loop_vars=_loop_vars) if environment.getattr(l_1_f, 'resource') else 'cluster'))))
        if environment.getattr(l_1_f, 'container'):
            pass
            yield ' (container '
            yield str(environment.finalize(t_7(environment.getattr(l_1_f, 'container'))))
            yield ')'
        yield ': '
        yield str(environment.finalize(t_7(environment.getattr(environment.getattr(l_1_f, 'exemption'), 'reason'))))
        yield ' ('
        yield str(environment.finalize(t_7((environment.getattr(environment.getattr(l_1_f, 'exemption'), 'source') or environment.getattr(environment.getattr(l_1_f, 'exemption'), 'by')))))
        if environment.getattr(environment.getattr(l_1_f, 'exemption'), 'owner'):
            pass
            yield '; owner '
            yield str(environment.finalize(t_7(environment.getattr(environment.getattr(l_1_f, 'exemption'), 'owner'))))
        if environment.getattr(environment.getattr(l_1_f, 'exemption'), 'expires'):
            pass
            yield '; until '
            yield str(environment.finalize(t_7(environment.getattr(environment.getattr(l_1_f, 'exemption'), 'expires'))))
        yield ')\n'
        t_15 = 0
    l_1_f = missing
    if t_15:
        pass
        yield 'No exemptions applied.\n'
    if (undefined(name='expired') if l_0_expired is missing else l_0_expired):
        pass
        yield '\n### Expired exemptions (failing again)\n\n'
        for l_1_f in (undefined(name='expired') if l_0_expired is missing else l_0_expired):
            _loop_vars = {}
            pass
            yield '- **'
            yield str(environment.finalize(t_7(environment.getattr(l_1_f, 'check'))))
            yield '** on '
            yield str(environment.finalize(t_7((context.call(environment.getattr(environment.getattr(l_1_f, 'resource'), 'label'), _loop_vars=_loop_vars) if environment.getattr(l_1_f, 'resource') else 'cluster'))))
            if environment.getattr(l_1_f, 'container'):
                pass
                yield ' (container '
                yield str(environment.finalize(t_7(environment.getattr(l_1_f, 'container'))))
                yield ')'
            yield ': expired on '
            yield str(environment.finalize(t_7(environment.getattr(environment.getattr(l_1_f, 'exemption'), 'expires'))))
            yield '; owner '
            yield str(environment.finalize(t_7((environment.getattr(environment.getattr(l_1_f, 'exemption'), 'owner') or 'unknown'))))
            yield '; '
            yield str(environment.finalize(t_7((environment.getattr(environment.getattr(l_1_f, 'exemption'), 'source') or ''))))
            yield '\n'
        l_1_f = missing
    yield '\n### Configured exemptions\n\n'
    l_1_loop = missing
    t_16 = 1
    for l_1_r, l_1_loop in LoopContext(environment.getattr((undefined(name='cfg') if l_0_cfg is missing else l_0_cfg), 'exemptions'), undefined):
        _loop_vars = {}
        pass
        if environment.getattr(l_1_loop, 'first'):
            pass
            yield '| Source | Checks | Applies to | Reason | Owner | Expires | Matched |\n|---|---|---|---|---|---|---|\n'
        yield '| '
        yield str(environment.finalize(t_7(environment.getattr(l_1_r, 'source'))))
        yield ' | '
        yield str(environment.finalize(t_7(t_4(context.eval_ctx, environment.getattr(l_1_r, 'checks'), ', '))))
        yield ' | '
        yield str(environment.finalize(t_7((str_join(((str_join(('namespaces ', t_4(context.eval_ctx, environment.getattr(l_1_r, 'namespaces'), ', '), )) if environment.getattr(l_1_r, 'namespaces') else ''), (str_join((' names ', t_4(context.eval_ctx, environment.getattr(l_1_r, 'names'), ', '), )) if environment.getattr(l_1_r, 'names') else ''), (str_join((' kinds ', t_4(context.eval_ctx, environment.getattr(l_1_r, 'kinds'), ', '), )) if environment.getattr(l_1_r, 'kinds') else ''), (str_join((' containers ', t_4(context.eval_ctx, environment.getattr(l_1_r, 'containers'), ', '), )) if environment.getattr(l_1_r, 'containers') else ''), )) or 'everything'))))
        yield ' | '
        yield str(environment.finalize(t_7(environment.getattr(l_1_r, 'reason'))))
        yield ' | '
        yield str(environment.finalize(t_7((environment.getattr(l_1_r, 'owner') or ''))))
        yield ' | '
        yield str(environment.finalize(t_7((environment.getattr(l_1_r, 'expires') or 'never'))))
        yield str(environment.finalize((' (expired)' if environment.getattr(l_1_r, 'expired') else cond_expr_undefined("the inline if-expression on line 187 in 'report.md' evaluated to false and no else section was defined."))))
        yield ' | '
        yield str(environment.finalize(environment.getattr(l_1_r, 'matched')))
        yield ' |\n'
        t_16 = 0
    l_1_loop = l_1_r = missing
    if t_16:
        pass
        yield 'None'
        yield str(environment.finalize((' (no config file)' if (not environment.getattr((undefined(name='cfg') if l_0_cfg is missing else l_0_cfg), 'file')) else cond_expr_undefined("the inline if-expression on line 189 in 'report.md' evaluated to false and no else section was defined."))))
        yield '.\n'
    yield '\n### Default exemptions ('
    yield str(environment.finalize(('on' if environment.getattr(environment.getattr((undefined(name='cfg') if l_0_cfg is missing else l_0_cfg), 'defaultExemptions'), 'enabled') else 'off: --no-default-exemptions or defaultExemptions: false')))
    yield ')\n\n'
    l_1_loop = missing
    t_17 = 1
    for l_1_r, l_1_loop in LoopContext(environment.getattr(environment.getattr((undefined(name='cfg') if l_0_cfg is missing else l_0_cfg), 'defaultExemptions'), 'rules'), undefined):
        _loop_vars = {}
        pass
        if environment.getattr(l_1_loop, 'first'):
            pass
            yield '| Check | Applies to | Why | Matched |\n|---|---|---|---|\n'
        yield '| '
        yield str(environment.finalize(t_7(t_4(context.eval_ctx, environment.getattr(l_1_r, 'checks'), ', '))))
        yield ' | '
        yield str(environment.finalize(t_7((environment.getattr(l_1_r, 'selector') or ''))))
        yield ' | '
        yield str(environment.finalize(t_7(environment.getattr(l_1_r, 'reason'))))
        yield ' | '
        yield str(environment.finalize(environment.getattr(l_1_r, 'matched')))
        yield ' |\n'
        t_17 = 0
    l_1_loop = l_1_r = missing
    if t_17:
        pass
        yield "None of the catalogue's checks has a default exemption.\n"
    yield '\n## Not assessable\n\n'
    l_1_loop = missing
    t_18 = 1
    for l_1_c, l_1_loop in LoopContext((undefined(name='not_assessable') if l_0_not_assessable is missing else l_0_not_assessable), undefined):
        _loop_vars = {}
        pass
        if environment.getattr(l_1_loop, 'first'):
            pass
            yield 'Left out of the score and counted against coverage; not passes. Review them by hand.\n\n| Check | Severity | Why it could not be assessed | What to review by hand |\n|---|---|---|---|\n'
        yield '| '
        yield str(environment.finalize(t_7(environment.getattr(l_1_c, 'id'))))
        yield ' | '
        yield str(environment.finalize(environment.getattr(environment.getattr(l_1_c, 'severity'), 'value')))
        yield ' | '
        yield str(environment.finalize(t_7((environment.getattr(l_1_c, 'reason') or ''))))
        yield ' | '
        yield str(environment.finalize(t_7(environment.getattr(l_1_c, 'remediation'))))
        yield ' |\n'
        t_18 = 0
    l_1_loop = l_1_c = missing
    if t_18:
        pass
        yield 'Every check could be assessed.\n'
    l_1_loop = missing
    for (l_1_cid, l_1_fs), l_1_loop in LoopContext(context.call(environment.getattr((undefined(name='unjudged_by_check') if l_0_unjudged_by_check is missing else l_0_unjudged_by_check), 'items')), undefined):
        _loop_vars = {}
        pass
        if environment.getattr(l_1_loop, 'first'):
            pass
            yield '\nResources that could not be judged:\n\n'
        for l_2_f in l_1_fs:
            _loop_vars = {}
            pass
            yield '- '
            yield str(environment.finalize(t_7(l_1_cid)))
            yield ' on '
            yield str(environment.finalize(t_7(context.call(environment.getattr(environment.getattr(l_2_f, 'resource'), 'label'), _loop_vars=_loop_vars))))
            if environment.getattr(l_2_f, 'container'):
                pass
                yield ' (container '
                yield str(environment.finalize(t_7(environment.getattr(l_2_f, 'container'))))
                yield ')'
            yield ': '
            yield str(environment.finalize(t_7((environment.getattr(l_2_f, 'reason') or environment.getattr(l_2_f, 'message')))))
            yield '\n'
        l_2_f = missing
    l_1_loop = l_1_cid = l_1_fs = missing
    yield '\n## Methodology\n\nSources: '
    l_1_loop = missing
    for (l_1_name, l_1_what), l_1_loop in LoopContext((undefined(name='sources') if l_0_sources is missing else l_0_sources), undefined):
        _loop_vars = {}
        pass
        yield str(environment.finalize(t_7(l_1_name)))
        yield ' ('
        yield str(environment.finalize(t_7(l_1_what)))
        yield ')'
        yield str(environment.finalize(('; ' if (not environment.getattr(l_1_loop, 'last')) else cond_expr_undefined("the inline if-expression on line 230 in 'report.md' evaluated to false and no else section was defined."))))
    l_1_loop = l_1_name = l_1_what = missing
    yield ".\n\nk8saudit only reads. This scan's source: "
    yield str(environment.finalize(t_7(environment.getattr(environment.getattr((undefined(name='report') if l_0_report is missing else l_0_report), 'cluster'), 'source'))))
    yield '. A live scan asks for: '
    l_1_loop = missing
    for (l_1_verb, l_1_why), l_1_loop in LoopContext((undefined(name='permissions') if l_0_permissions is missing else l_0_permissions), undefined):
        _loop_vars = {}
        pass
        yield '`'
        yield str(environment.finalize(l_1_verb))
        yield '` ('
        yield str(environment.finalize(t_7(l_1_why)))
        yield ')'
        yield str(environment.finalize(('; ' if (not environment.getattr(l_1_loop, 'last')) else cond_expr_undefined("the inline if-expression on line 232 in 'report.md' evaluated to false and no else section was defined."))))
    l_1_loop = l_1_verb = l_1_why = missing
    yield '. Values of environment variables, Secrets, tokens and ConfigMaps are never collected.\n\nInputs the checks read: '
    l_1_loop = missing
    for l_1_i, l_1_loop in LoopContext(environment.getattr((undefined(name='cov') if l_0_cov is missing else l_0_cov), 'inputs'), undefined):
        _loop_vars = {}
        pass
        yield str(environment.finalize(t_7(environment.getattr(l_1_i, 'name'))))
        yield ' ('
        yield str(environment.finalize(t_7(environment.getattr(l_1_i, 'status'))))
        if environment.getattr(l_1_i, 'count'):
            pass
            yield ', '
            yield str(environment.finalize(environment.getattr(l_1_i, 'count')))
        yield ')'
        yield str(environment.finalize((', ' if (not environment.getattr(l_1_loop, 'last')) else cond_expr_undefined("the inline if-expression on line 234 in 'report.md' evaluated to false and no else section was defined."))))
    l_1_loop = l_1_i = missing
    yield '.\n\nA **fail** is a resource (or the cluster) that does not meet the check, with the field looked at and the value seen (never a secret value); **exempt** is a failure an exemption covers, listed with who, why and until when; **not-assessable** means the check could not see its input: left out of the score, counted against coverage, never a pass; passes are counted per check, not listed.\n\nScore: `score = 100 × Σ (weight(check) × passed/judged) / Σ weight(check)` over the assessed checks, where passed/judged is the share of the resources a check judged that passed (a cluster-level check is 0 or 1). Weights: '
    l_1_loop = missing
    for (l_1_sev, l_1_w), l_1_loop in LoopContext((undefined(name='weights') if l_0_weights is missing else l_0_weights), undefined):
        _loop_vars = {}
        pass
        yield str(environment.finalize(l_1_sev))
        yield ' '
        yield str(environment.finalize(l_1_w))
        yield str(environment.finalize((', ' if (not environment.getattr(l_1_loop, 'last')) else cond_expr_undefined("the inline if-expression on line 238 in 'report.md' evaluated to false and no else section was defined."))))
    l_1_loop = l_1_sev = l_1_w = missing
    yield ". Not-assessable checks and exempt results are left out; section scores use the same formula over the section's checks. Grades: "
    for (l_1_floor, l_1_letter) in (undefined(name='grades') if l_0_grades is missing else l_0_grades):
        _loop_vars = {}
        pass
        yield str(environment.finalize(l_1_letter))
        yield ' ≥ '
        yield str(environment.finalize(t_3('%.0f', l_1_floor)))
        yield ', '
    l_1_floor = l_1_letter = missing
    yield 'F below; n/a when nothing could be scored. The same inventory always gets the same score.\n'

blocks = {}
debug_info = '1=86&3=88&4=92&8=108&12=118&13=120&14=122&15=124&16=126&17=128&18=130&19=142&20=144&24=152&25=155&31=178&32=181&35=184&37=211&38=214&42=218&44=233&45=236&50=240&58=259&59=263&64=277&65=281&67=286&68=292&69=295&71=301&77=316&79=322&81=324&82=326&92=335&93=338&95=341&96=344&98=349&101=356&102=359&106=363&110=376&111=379&113=383&115=397&116=400&118=404&124=415&127=422&128=427&132=430&133=433&138=471&142=476&143=479&147=483&155=503&156=506&157=509&161=524&166=548&167=552&171=578&175=581&176=585&182=604&183=607&187=611&189=631&192=634&194=638&195=641&199=645&206=661&207=664&213=668&217=682&218=685&223=688&224=692&230=707&232=717&234=732&238=747'
# report.md (sha256 1790c8e536bb251a3da3722c548ad7354c6564e92ad54eb63de0cbf79ec025c1) compiled by Jinja 3.1.6; written by `python -m k8saudit.report`: do not edit
