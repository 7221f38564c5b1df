using Microsoft.EntityFrameworkCore;
using WeChatAi.Api.Commands;
using WeChatAi.Core.Data;
using WeChatAi.Core.WeChat;

namespace WeChatAi.Api.Menu;

/// <param name="Stored">False: nothing saved yet, this is <see cref="MenuStore.Default"/>.</param>
internal sealed record SavedMenu(WeChatMenu Menu, bool Stored, DateTimeOffset? UpdatedAt, DateTimeOffset? PublishedAt);

/// <summary>The menu in PostgreSQL <c>menu_definitions</c> (one row), or the default while none was saved.</summary>
internal sealed class MenuStore(WeChatDbContext db, TimeProvider time)
{
    /// <summary>What the account offers before the operator saves a menu: the three built-in commands.</summary>
    public static readonly WeChatMenu Default = new(
    [
        new(WeChatMenu.Click, "新对话", NewConversationCommand.Key),
        new(WeChatMenu.Click, "帮助", HelpCommand.Key),
        new(WeChatMenu.Click, "关于", AboutCommand.Key),
    ]);

    public async Task<SavedMenu> GetAsync(CancellationToken cancellationToken)
    {
        var row = await db.Menus.AsNoTracking().FirstOrDefaultAsync(m => m.Id == MenuDefinition.CurrentId, cancellationToken).ConfigureAwait(false);
        return row is null
            ? new SavedMenu(Default, false, null, null)
            : new SavedMenu(WeChatMenu.Parse(row.Json)!, true, row.UpdatedAt, row.PublishedAt);
    }

    /// <summary>Saves a valid menu; it is published only by <c>POST admin/menu/publish</c>.</summary>
    public async Task<SavedMenu> SaveAsync(WeChatMenu menu, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var json = menu.ToJson();
        await db.Database.ExecuteSqlInterpolatedAsync(
            $"""
            INSERT INTO menu_definitions ("Id", "Json", "UpdatedAt", "PublishedAt") VALUES ({MenuDefinition.CurrentId}, {json}::jsonb, {now}, NULL)
            ON CONFLICT ("Id") DO UPDATE SET "Json" = EXCLUDED."Json", "UpdatedAt" = EXCLUDED."UpdatedAt", "PublishedAt" = NULL
            """, cancellationToken).ConfigureAwait(false);
        return new SavedMenu(menu, true, now, null);
    }

    /// <summary>Records that WeChat accepted <paramref name="menu"/>; saves it too when it was the default.</summary>
    public async Task<DateTimeOffset> MarkPublishedAsync(WeChatMenu menu, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var json = menu.ToJson();
        await db.Database.ExecuteSqlInterpolatedAsync(
            $"""
            INSERT INTO menu_definitions ("Id", "Json", "UpdatedAt", "PublishedAt") VALUES ({MenuDefinition.CurrentId}, {json}::jsonb, {now}, {now})
            ON CONFLICT ("Id") DO UPDATE SET "PublishedAt" = EXCLUDED."PublishedAt" WHERE menu_definitions."Json" = EXCLUDED."Json"
            """, cancellationToken).ConfigureAwait(false);
        return now;
    }
}
