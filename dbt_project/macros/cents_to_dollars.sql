{#- The shop's systems write money in integer cents; the warehouse reports dollars. -#}
{% macro cents_to_dollars(column_name) -%}
    ({{ column_name }} / 100)::numeric(16, 2)
{%- endmacro %}
