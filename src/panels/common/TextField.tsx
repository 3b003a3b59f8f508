/**
 * A labelled text input with its error beside it: the error is an alert, tied to the input by
 * aria-describedby, and marks the input invalid. Test ids: `testId` and `testId.error`.
 */
export function TextField(props: { id: string; label: string; value: string; testId: string; error?: string; placeholder?: string; inputMode?: 'decimal'; onChange: (value: string) => void }) {
  const { id, label, value, testId, error, placeholder, inputMode, onChange } = props;
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        value={value}
        placeholder={placeholder}
        inputMode={inputMode}
        aria-invalid={error !== undefined}
        aria-describedby={error !== undefined ? `${id}-error` : undefined}
        data-testid={testId}
        onChange={(e) => onChange(e.target.value)}
      />
      {error !== undefined && (
        <span className="field-error" id={`${id}-error`} role="alert" data-testid={`${testId}.error`}>
          {error}
        </span>
      )}
    </div>
  );
}
