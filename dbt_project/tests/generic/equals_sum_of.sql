{#-
    A column that must equal the sum of others, e.g. an order's total = subtotal + tax.
    Compare integer cents: sums of rounded dollars can differ from the rounded sum by a cent.
    Rows with a null among the columns are left to not_null tests.
-#}
{% test equals_sum_of(model, column_name, columns) %}

{{ config(meta={'description': column_name ~ ' equals ' ~ columns | join(' + ') ~ ' on every row.'}) }}

select *
from {{ model }}
where {{ column_name }} <> {{ columns | join(' + ') }}

{% endtest %}
