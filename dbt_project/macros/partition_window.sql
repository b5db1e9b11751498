{#-
    The days a run covers, and the incremental strategy that replaces exactly those days.

    Dagster passes a partition window as dbt's own event-time flags:
        dbt build --event-time-start 2018-09-01 --event-time-end 2018-09-03
    They are not vars, so a new window does not make dbt re-parse the project (changing
    `--vars` does). Without them (a plain `dbt build`) a model covers every day.
-#}

{% macro partition_window() -%}
    {%- set start = invocation_args_dict.get('event_time_start') -%}
    {%- set end = invocation_args_dict.get('event_time_end') -%}
    {%- if start and end -%}
        {{ return({'start': start.strftime('%Y-%m-%d'), 'end': end.strftime('%Y-%m-%d')}) }}
    {%- endif -%}
    {{ return(none) }}
{%- endmacro %}


{#- `column` lies in the run's window; `true` when the run has no window. -#}
{% macro in_partition_window(column) -%}
    {%- set window = partition_window() -%}
    {%- if window -%}
        {{ column }} >= '{{ window.start }}' and {{ column }} < '{{ window.end }}'
    {%- else -%}
        true
    {%- endif -%}
{%- endmacro %}


{#-
    incremental_strategy='replace_window': delete the run's days from the model's table, then
    insert the new rows for them, in one transaction. The model's `event_time` config names its
    day column, and its SQL must select only the window (`where {{ in_partition_window(...) }}`).
    Re-running a window, out of order or twice, leaves exactly one copy of each of its days.

    dbt finds a strategy by its macro's name, get_incremental_<strategy>_sql; the SQL itself is
    dispatched per adapter, because the warehouses differ in what makes the two statements one
    transaction.
-#}
{% macro get_incremental_replace_window_sql(arg_dict) -%}
    {%- if not config.get('event_time') -%}
        {{ exceptions.raise_compiler_error(
            "incremental_strategy='replace_window' needs the model's event_time config: "
            ~ "the column that holds each row's day, e.g. event_time='landed_on'") }}
    {%- endif -%}
    {{ return(adapter.dispatch('replace_window_sql')(arg_dict)) }}
{%- endmacro %}


{#- DuckDB: dbt already runs the incremental materialization inside a transaction. -#}
{% macro default__replace_window_sql(arg_dict) -%}
    {%- set columns = get_quoted_csv(arg_dict['dest_columns'] | map(attribute='name')) -%}
    delete from {{ arg_dict['target_relation'] }}
    where {{ in_partition_window(config.get('event_time')) }};

    insert into {{ arg_dict['target_relation'] }} ({{ columns }})
    select {{ columns }} from {{ arg_dict['temp_relation'] }}
{%- endmacro %}


{#-
    Snowflake: dbt's connection commits every statement on its own, so the pair is wrapped in an
    explicit transaction; a query running meanwhile sees the old days or the new ones, never a
    window with its days missing. dbt-snowflake's own delete+insert strategy does the same.
-#}
{% macro snowflake__replace_window_sql(arg_dict) -%}
    begin;
    {{ default__replace_window_sql(arg_dict) }};
    commit
{%- endmacro %}
