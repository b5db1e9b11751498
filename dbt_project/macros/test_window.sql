{#-
    The rows a test sees: a test of a daily model checks the days the run built.

    dbt passes every generic test's model through `get_where_subquery`, which applies a test's
    `where` config; defining it here overrides dbt's own. When the run has a partition window
    (`--event-time-start/--event-time-end`, see partition_window.sql) and the tested model has
    an `event_time`, the test reads only the window's days. So a bad day fails the checks of
    the run that loads it, and the runs of later good days pass: one bad file blocks its own
    day, not every day after it. A run without a window (`dbt build`) tests every row.
-#}
{% macro get_where_subquery(relation) -%}
    {%- set conditions = [] -%}
    {%- if config.get('where') -%}
        {%- do conditions.append(config.get('where')) -%}
    {%- endif -%}
    {%- set day_column = tested_model_event_time() -%}
    {%- if day_column and partition_window() -%}
        {%- do conditions.append(in_partition_window(day_column)) -%}
    {%- endif -%}
    {%- if conditions -%}
        {%- do return('(select * from ' ~ relation ~ ' where ' ~ conditions | join(' and ') ~ ') dbt_subquery') -%}
    {%- endif -%}
    {%- do return(relation) -%}
{%- endmacro %}


{#- The event_time config of the model the current test is attached to, if any. -#}
{% macro tested_model_event_time() -%}
    {%- set tested = graph.nodes.get(model.attached_node) if model.attached_node else none -%}
    {%- do return(tested.config.event_time if tested else none) -%}
{%- endmacro %}
