using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace WeChatAi.Core.Data.Migrations
{
    /// <inheritdoc />
    public partial class Billing : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<bool>(
                name: "Blocked",
                table: "wechat_users",
                type: "boolean",
                nullable: false,
                defaultValue: false);

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "BlockedAt",
                table: "wechat_users",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "BlockedReason",
                table: "wechat_users",
                type: "character varying(256)",
                maxLength: 256,
                nullable: true);

            migrationBuilder.CreateTable(
                name: "daily_statistics",
                columns: table => new
                {
                    Day = table.Column<DateOnly>(type: "date", nullable: false),
                    Messages = table.Column<int>(type: "integer", nullable: false),
                    ActiveUsers = table.Column<int>(type: "integer", nullable: false),
                    Orders = table.Column<int>(type: "integer", nullable: false),
                    PaidOrders = table.Column<int>(type: "integer", nullable: false),
                    PayingUsers = table.Column<int>(type: "integer", nullable: false),
                    RevenueFen = table.Column<long>(type: "bigint", nullable: false),
                    RefundedFen = table.Column<long>(type: "bigint", nullable: false),
                    CreditsUsed = table.Column<int>(type: "integer", nullable: false),
                    UpdatedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_daily_statistics", x => x.Day);
                });

            migrationBuilder.CreateTable(
                name: "daily_usage",
                columns: table => new
                {
                    AppId = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    OpenId = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    Day = table.Column<DateOnly>(type: "date", nullable: false),
                    FreeUsed = table.Column<int>(type: "integer", nullable: false),
                    CreditsUsed = table.Column<int>(type: "integer", nullable: false),
                    GivenBack = table.Column<int>(type: "integer", nullable: false),
                    UpdatedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_daily_usage", x => new { x.AppId, x.OpenId, x.Day });
                });

            migrationBuilder.CreateTable(
                name: "orders",
                columns: table => new
                {
                    Id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    OutTradeNo = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    AppId = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    OpenId = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    ProductId = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    ProductName = table.Column<string>(type: "character varying(127)", maxLength: 127, nullable: false),
                    AmountFen = table.Column<int>(type: "integer", nullable: false),
                    Credits = table.Column<int>(type: "integer", nullable: false),
                    ValidityDays = table.Column<int>(type: "integer", nullable: false),
                    State = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    Channel = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    PrepayId = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: true),
                    CodeUrl = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: true),
                    TransactionId = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    PaidAmountFen = table.Column<int>(type: "integer", nullable: true),
                    Mismatch = table.Column<bool>(type: "boolean", nullable: false),
                    MismatchReason = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: true),
                    CreatedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    UpdatedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    PaidAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    ClosedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    RefundedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    xmin = table.Column<uint>(type: "xid", rowVersion: true, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_orders", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "payment_notifications",
                columns: table => new
                {
                    Id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    NotificationId = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    EventType = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    RawBody = table.Column<string>(type: "text", nullable: false),
                    Serial = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: true),
                    OutTradeNo = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: true),
                    OutRefundNo = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    ReceivedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    ProcessedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    Outcome = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_payment_notifications", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "credit_ledger",
                columns: table => new
                {
                    Id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    AppId = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    OpenId = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    Kind = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    Credits = table.Column<int>(type: "integer", nullable: false),
                    IdempotencyKey = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    GrantId = table.Column<long>(type: "bigint", nullable: true),
                    ExpiresAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    OrderId = table.Column<long>(type: "bigint", nullable: true),
                    JobId = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: true),
                    CreatedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    Note = table.Column<string>(type: "text", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_credit_ledger", x => x.Id);
                    table.ForeignKey(
                        name: "FK_credit_ledger_credit_ledger_GrantId",
                        column: x => x.GrantId,
                        principalTable: "credit_ledger",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "FK_credit_ledger_orders_OrderId",
                        column: x => x.OrderId,
                        principalTable: "orders",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "refunds",
                columns: table => new
                {
                    Id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    OutRefundNo = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    OrderId = table.Column<long>(type: "bigint", nullable: false),
                    OutTradeNo = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    RefundId = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    AmountFen = table.Column<int>(type: "integer", nullable: false),
                    CreditsReversed = table.Column<int>(type: "integer", nullable: false),
                    Reason = table.Column<string>(type: "character varying(80)", maxLength: 80, nullable: true),
                    State = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    CreatedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    UpdatedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    SucceededAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_refunds", x => x.Id);
                    table.ForeignKey(
                        name: "FK_refunds_orders_OrderId",
                        column: x => x.OrderId,
                        principalTable: "orders",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateIndex(
                name: "IX_wechat_users_Blocked",
                table: "wechat_users",
                column: "Blocked",
                filter: "\"Blocked\"");

            migrationBuilder.CreateIndex(
                name: "IX_credit_ledger_AppId_OpenId_Id",
                table: "credit_ledger",
                columns: new[] { "AppId", "OpenId", "Id" });

            migrationBuilder.CreateIndex(
                name: "IX_credit_ledger_CreatedAt",
                table: "credit_ledger",
                column: "CreatedAt");

            migrationBuilder.CreateIndex(
                name: "IX_credit_ledger_GrantId",
                table: "credit_ledger",
                column: "GrantId");

            migrationBuilder.CreateIndex(
                name: "IX_credit_ledger_IdempotencyKey",
                table: "credit_ledger",
                column: "IdempotencyKey",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_credit_ledger_Kind_ExpiresAt",
                table: "credit_ledger",
                columns: new[] { "Kind", "ExpiresAt" });

            migrationBuilder.CreateIndex(
                name: "IX_credit_ledger_OrderId",
                table: "credit_ledger",
                column: "OrderId");

            migrationBuilder.CreateIndex(
                name: "IX_daily_usage_Day",
                table: "daily_usage",
                column: "Day");

            migrationBuilder.CreateIndex(
                name: "IX_orders_AppId_OpenId_CreatedAt",
                table: "orders",
                columns: new[] { "AppId", "OpenId", "CreatedAt" });

            migrationBuilder.CreateIndex(
                name: "IX_orders_CreatedAt",
                table: "orders",
                column: "CreatedAt");

            migrationBuilder.CreateIndex(
                name: "IX_orders_Mismatch",
                table: "orders",
                column: "Mismatch",
                filter: "\"Mismatch\"");

            migrationBuilder.CreateIndex(
                name: "IX_orders_OutTradeNo",
                table: "orders",
                column: "OutTradeNo",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_orders_PaidAt",
                table: "orders",
                column: "PaidAt");

            migrationBuilder.CreateIndex(
                name: "IX_orders_State_CreatedAt",
                table: "orders",
                columns: new[] { "State", "CreatedAt" });

            migrationBuilder.CreateIndex(
                name: "IX_orders_TransactionId",
                table: "orders",
                column: "TransactionId");

            migrationBuilder.CreateIndex(
                name: "IX_payment_notifications_NotificationId",
                table: "payment_notifications",
                column: "NotificationId",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_payment_notifications_OutTradeNo",
                table: "payment_notifications",
                column: "OutTradeNo");

            migrationBuilder.CreateIndex(
                name: "IX_payment_notifications_ReceivedAt",
                table: "payment_notifications",
                column: "ReceivedAt");

            migrationBuilder.CreateIndex(
                name: "IX_refunds_OrderId",
                table: "refunds",
                column: "OrderId");

            migrationBuilder.CreateIndex(
                name: "IX_refunds_OutRefundNo",
                table: "refunds",
                column: "OutRefundNo",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_refunds_State_CreatedAt",
                table: "refunds",
                columns: new[] { "State", "CreatedAt" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "credit_ledger");

            migrationBuilder.DropTable(
                name: "daily_statistics");

            migrationBuilder.DropTable(
                name: "daily_usage");

            migrationBuilder.DropTable(
                name: "payment_notifications");

            migrationBuilder.DropTable(
                name: "refunds");

            migrationBuilder.DropTable(
                name: "orders");

            migrationBuilder.DropIndex(
                name: "IX_wechat_users_Blocked",
                table: "wechat_users");

            migrationBuilder.DropColumn(
                name: "Blocked",
                table: "wechat_users");

            migrationBuilder.DropColumn(
                name: "BlockedAt",
                table: "wechat_users");

            migrationBuilder.DropColumn(
                name: "BlockedReason",
                table: "wechat_users");
        }
    }
}
