using Microsoft.AspNetCore.Components;
using MudBlazor;
using WeChatAi.Admin.Api;

namespace WeChatAi.Admin.Components.Common;

/// <summary>
/// What every console page shares: the API client, and calls whose refusal (the API's ProblemDetails message) or
/// failure shows as a snackbar instead of breaking the circuit.
/// </summary>
public abstract class ConsolePage : ComponentBase
{
    [Inject]
    protected AdminApi Api { get; set; } = default!;

    [Inject]
    protected ISnackbar Snackbar { get; set; } = default!;

    [Inject]
    protected IDialogService Dialogs { get; set; } = default!;

    /// <summary>The value of <paramref name="call"/>, or default after showing why it failed.</summary>
    protected async Task<T?> CallAsync<T>(Func<AdminApi, Task<T>> call)
    {
        ArgumentNullException.ThrowIfNull(call);
        try
        {
            return await call(Api);
        }
        catch (AdminApiException ex)
        {
            Snackbar.Add(ex.Message, Severity.Error);
            return default;
        }
    }

    /// <summary>Runs <paramref name="call"/>; on success shows <paramref name="done"/> (if any) and returns true.</summary>
    protected async Task<bool> CallAsync(Func<AdminApi, Task> call, string? done = null)
    {
        ArgumentNullException.ThrowIfNull(call);
        try
        {
            await call(Api);
        }
        catch (AdminApiException ex)
        {
            Snackbar.Add(ex.Message, Severity.Error);
            return false;
        }

        if (done is not null)
        {
            Snackbar.Add(done, Severity.Success);
        }

        return true;
    }

    /// <summary>A yes/cancel confirmation; true only on yes.</summary>
    protected async Task<bool> ConfirmAsync(string title, string message, string yes) =>
        await Dialogs.ShowMessageBoxAsync(title, message, yesText: yes, cancelText: "取消 Cancel") == true;

    /// <summary>Asks for one line of text (a reason, a nickname); null when cancelled.</summary>
    protected async Task<string?> PromptAsync(string title, string label, int maxLength, string? initial = null, bool required = true)
    {
        var parameters = new DialogParameters<TextPromptDialog>
        {
            { d => d.Label, label },
            { d => d.MaxLength, maxLength },
            { d => d.Value, initial ?? string.Empty },
            { d => d.Required, required },
        };
        var dialog = await Dialogs.ShowAsync<TextPromptDialog>(title, parameters);
        var result = await dialog.Result;
        return result is { Canceled: false, Data: string text } ? text : null;
    }
}
